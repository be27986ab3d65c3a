"""Issue 16, item 4 on the roster: the demo roster's crime branch (a `branch` unit, published as
nazar.unit.upserted.v2 while every other unit stays v1), a branch in the units import, and the
state crime group on roster.groups.v1 exactly as the item lists it, headed by ADG Crime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nazar_contracts import event_types
from nazar_contracts.groups import GroupUpserted
from nazar_contracts.registry import parse_json
from nazar_contracts.units import UnitUpserted, UnitUpsertedV2
from nazar_contracts.vocabulary import CRIME_BRANCH, UnitKind
from nazar_platform.kafka.dlq import RawRecord

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    hq_token,
    member_ids_by_role,
    read_all,
    upload,
    wait_relayed,
)


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_adg_crime") as running:
        yield running


def ce_type(record: RawRecord) -> str:
    return dict(record.headers)["ce_type"].decode()


def latest(records: list[RawRecord]) -> dict[bytes, RawRecord]:
    last: dict[bytes, RawRecord] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        if r.key is not None:
            last[r.key] = r
    return last


async def test_the_crime_branch_is_v2_and_every_other_unit_stays_v1(demo: Running) -> None:
    units = latest(await read_all(demo.bootstrap, demo.topics.units))
    crime = units[CRIME_BRANCH.encode()]
    assert ce_type(crime) == event_types.UNIT_UPSERTED_V2
    branch = parse_json(ce_type(crime), crime.value or b"")
    assert isinstance(branch, UnitUpsertedV2) and branch.kind is UnitKind.BRANCH
    assert branch.path == ["PHQ", CRIME_BRANCH] and branch.name.hi == "अपराध शाखा"
    v2 = {k for k, r in units.items() if ce_type(r) == event_types.UNIT_UPSERTED_V2}
    assert v2 == {CRIME_BRANCH.encode(), b"BR-LAW-AND-ORDER"}
    for key, record in units.items():
        if key not in v2:
            # What a consumer written for v1 reads: every one of these still parses as v1.
            assert ce_type(record) == event_types.UNIT_UPSERTED
            assert type(parse_json(event_types.UNIT_UPSERTED, record.value or b"")) is UnitUpserted


async def test_the_state_group_is_exactly_the_items_list_headed_by_adg_crime(
    demo: Running,
) -> None:
    groups = latest(await read_all(demo.bootstrap, demo.topics.groups))
    record = groups[b"state-crime"]
    group = parse_json(ce_type(record), record.value or b"")
    assert isinstance(group, GroupUpserted)
    db = demo.database
    adg_crime = await member_ids_by_role(db, "adg", CRIME_BRANCH)
    other_adgs = set(await member_ids_by_role(db, "adg")) - set(adg_crime)
    assert len(adg_crime) == 1 and other_adgs
    expected = set(adg_crime)
    for role in ("home_secretary", "joint_secretary_home", "police_pro", "ig", "sp"):
        found = await member_ids_by_role(db, role)
        assert found, role
        expected |= set(found)
    assert group.admins == adg_crime
    assert {m.member_id for m in group.members} == expected
    assert not other_adgs & {m.member_id for m in group.members}
    crime = next(m for m in group.members if m.member_id == adg_crime[0])
    assert (str(crime.role), crime.unit_id) == ("adg", CRIME_BRANCH)


async def test_the_units_import_takes_a_branch_under_the_state_unit_only(
    demo: Running, tmp_path: Path
) -> None:
    csv_file = tmp_path / "branches.csv"
    csv_file.write_text(
        "unit_code,kind,name_hi,name_en,parent\n"
        "BR-VIGILANCE,branch,सतर्कता शाखा,Vigilance Branch,PHQ\n"
        "BR-ASTRAY,branch,भटकी शाखा,Astray Branch,RNG-JAIPUR\n",
        encoding="utf-8",
    )
    report = await upload(demo, hq_token(), csv_file, units=True)
    assert report["counts"]["created"] == 1 and report["counts"]["rejected"] == 1
    reasons = {r["key"]: [p["code"] for p in r["problems"]] for r in report["rejected"]}
    assert reasons == {"BR-ASTRAY": ["unit-parent-kind"]}, report["rejected"]
    await wait_relayed(demo.database)
    units = latest(await read_all(demo.bootstrap, demo.topics.units))
    vigilance = units[b"BR-VIGILANCE"]
    assert ce_type(vigilance) == event_types.UNIT_UPSERTED_V2
    assert b"BR-ASTRAY" not in units
    conn = await asyncpg.connect(demo.database)
    try:
        kind = await conn.fetchval("SELECT kind FROM units WHERE unit_id = 'BR-VIGILANCE'")
    finally:
        await conn.close()
    assert kind == "branch"
