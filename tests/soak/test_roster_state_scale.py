"""The whole state: import → the four topics → a fresh consumer rebuilds every group, and each
group matches GET /groups/{id}/members member by member; re-importing emits nothing."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from nazar_contracts.registry import parse_json
from nazar_contracts.vocabulary import Role, UnitKind
from nazar_platform.kafka.dlq import RawRecord
from roster.domain.groups import MemberRef, PostingRef, Unit, derive

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    end_offsets,
    fetch_all,
    hq_token,
    make_topics,
    read_all,
    running_roster,
    upload,
    wait_relayed,
)

PHONE = re.compile(rb"\+91[6-9][0-9]{9}")


def _latest(records: list[RawRecord]) -> dict[str, dict[str, Any] | None]:
    """A fresh consumer's view of a compacted topic, every record checked against its contract."""
    state: dict[str, dict[str, Any] | None] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert r.key is not None
        ce_type = dict(r.headers)["ce_type"].decode()
        if r.value is None:
            state[r.key.decode()] = None
            continue
        parse_json(ce_type, r.value)  # raises when a record does not fit the contract
        state[r.key.decode()] = json.loads(r.value)
    return state


@pytest.mark.timeout(900)
async def test_state_roster_on_kafka_rebuilds_every_group(
    databases: DatabaseFactory, kafka_bootstrap: str, state_files: Path
) -> None:
    database = await databases.create("roster_state")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory, partitions=6)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            started = time.monotonic()
            reports = [
                await upload(running, hq_token(), state_files / "units.csv", units=True),
                await upload(running, hq_token(), state_files / "police.csv", kind="police"),
                await upload(
                    running, hq_token(), state_files / "volunteers.csv", kind="volunteers"
                ),
            ]
            assert [r["counts"]["rejected"] for r in reports] == [0, 0, 0]
            people = reports[1]["total_rows"] + reports[2]["total_rows"]
            assert people > 290_000
            await wait_relayed(database, within=600)
            print(f"\nstate roster imported and relayed in {time.monotonic() - started:.1f}s")

            records = {t: await read_all(kafka_bootstrap, t) for t in topics.compacted}
            units = _latest(records[topics.units])
            members = _latest(records[topics.members])
            contacts = _latest(records[topics.contacts])
            groups = _latest(records[topics.groups])
            assert len(units) == reports[0]["total_rows"]
            assert len(members) == len(contacts) == people
            assert all(m and m["synthetic"] for m in members.values())
            assert not any(PHONE.search(r.value or b"") for r in records[topics.members])
            circles = [u for u in units.values() if u and u["kind"] == "circle"]
            assert 200 <= len(circles) <= 260
            assert len(groups) == len(circles) + 2

            # Every group, member by member, as the API lists it.
            async with running.client(hq_token()) as c:
                for group_id, group in groups.items():
                    assert group is not None
                    listed = await fetch_all(c, f"/api/v1/groups/{group_id}/members")
                    assert [(m["member_id"], m["role"], m["unit_id"]) for m in listed] == [
                        (m["member_id"], m["role"], m["unit_id"]) for m in group["members"]
                    ]
                    assert sorted(m["member_id"] for m in listed if m["admin"]) == group["admins"]
                    assert len(group["members"]) > (0 if group["kind"] != "circle" else 100)

            # The set-based SQL and the rules as written in roster.domain.groups agree.
            tree = {
                k: Unit(k, UnitKind(u["kind"]), tuple(u["path"]), u["active"])
                for k, u in units.items()
                if u
            }
            refs = [
                MemberRef(
                    k,
                    m["active"],
                    tuple(PostingRef(Role(p["role"]), p["unit_id"]) for p in m["postings"]),
                )
                for k, m in members.items()
                if m
            ]
            derived = derive(tree, refs)
            assert set(derived) == set(groups)
            for group_id, membership in derived.items():
                group = groups[group_id]
                assert group is not None
                assert [(e.member_id, e.role.value, e.unit_id) for e in membership.members()] == [
                    (m["member_id"], m["role"], m["unit_id"]) for m in group["members"]
                ], group_id
                assert membership.admins() == group["admins"], group_id
            by_kind: dict[str, int] = defaultdict(int)
            for g in groups.values():
                assert g is not None
                by_kind[g["kind"]] += 1
            assert by_kind["state_crime"] == by_kind["phq_crime_admin"] == 1

            # Re-importing the same files changes nothing and emits no event.
            before = await end_offsets(kafka_bootstrap, topics.compacted)
            top = await wait_relayed(database)
            again = await upload(running, hq_token(), state_files / "police.csv", kind="police")
            assert again["counts"]["events"] == 0 and again["counts"]["changed"] == 0
            assert await wait_relayed(database) == top
            assert await end_offsets(kafka_bootstrap, topics.compacted) == before
    finally:
        await factory.delete_all()
        await databases.drop(database)
