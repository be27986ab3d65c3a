"""Bulk import on the demo roster: the report, bad rows, re-import, full sync, scope."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    confirm,
    demo_roster,
    end_offsets,
    hq_token,
    import_roster,
    member_ids_by_role,
    token_for,
    upload,
    wait_relayed,
)


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_import") as running:
        yield running


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


async def test_reimport_of_the_same_files_emits_nothing(demo: Running, demo_files: Path) -> None:
    before = await end_offsets(demo.bootstrap, demo.topics.compacted)
    top = await wait_relayed(demo.database)
    reports = await import_roster(demo, demo_files)
    for report in reports[1:]:
        assert report["counts"]["events"] == 0
        assert report["counts"]["created"] == report["counts"]["changed"] == 0
    assert await wait_relayed(demo.database) == top, "the outbox got new rows"
    assert await end_offsets(demo.bootstrap, demo.topics.compacted) == before


async def test_bad_rows_are_reported_and_never_stop_the_good_ones(
    demo: Running, demo_files: Path, tmp_path: Path
) -> None:
    header = _rows(demo_files / "police.csv")[0]
    blank = dict.fromkeys(header, "")

    def row(**values: str) -> list[str]:
        return [{**blank, **values}[c] for c in header]

    bad_phone = "+91 12345"
    rows = [
        header,
        row(personnel_no="RJPT000001", name_hi="सुनीता मीणा", name_latin="Sunita Meena",
            rank="constable", unit="PS-BIKANER-KOTWALI-NONE", whatsapp="+917000999001"),
        row(personnel_no="RJPT000002", name_hi="कमला जाट", rank="head_constable",
            unit="DST-BIKANER", whatsapp=bad_phone),
        row(personnel_no="", name_hi="गीता शर्मा", rank="constable", unit="DST-BIKANER"),
        row(personnel_no="RJPT000003", name_hi="Rekha", rank="constable", unit="DST-BIKANER"),
        row(personnel_no="RJPT000004", name_hi="राकेश सैनी", rank="sp", unit="CIR-TIJARA"),
        row(personnel_no="RJPT000005", name_hi="मोहन लाल", name_latin="Mohan Lal",
            rank="constable", unit="DST-BIKANER", whatsapp="07000 999 005", language="hi"),
        row(personnel_no="rjpt000005", name_hi="मोहन लाल", rank="constable", unit="DST-BIKANER"),
        row(personnel_no="RJPT000006", name_hi="सलीम खान", rank="general", unit="DST-BIKANER"),
    ]  # fmt: skip
    report = await upload(demo, hq_token(), _write(tmp_path / "hr.csv", rows), kind="police")
    reasons = {r["row"]: [p["code"] for p in r["problems"]] for r in report["rejected"]}
    assert reasons == {
        2: ["unknown-unit"],
        3: ["bad-whatsapp"],
        4: ["missing-personnel-no"],
        5: ["name-hi-not-devanagari"],
        6: ["rank-not-allowed-at-unit"],
        8: ["duplicate-key"],
        9: ["unknown-rank"],
    }
    assert report["counts"]["accepted"] == 1 and report["counts"]["created"] == 1
    assert bad_phone not in str(report), "a report never repeats a phone number"
    hindi = next(r for r in report["rejected"] if r["row"] == 3)["problems"][0]
    assert hindi["hi"] == "व्हाट्सऐप नंबर मान्य मोबाइल नंबर नहीं है" and hindi["column"] == "whatsapp"
    conn = await asyncpg.connect(demo.database)
    try:
        saved = await conn.fetchrow(
            "SELECT m.name_hi, c.whatsapp FROM members m JOIN contacts c USING (member_id)"
            " WHERE m.personnel_no = 'RJPT000005'"
        )
    finally:
        await conn.close()
    assert saved is not None and saved["name_hi"] == "मोहन लाल"
    assert saved["whatsapp"] == "+917000999005", "numbers are stored in E.164"


async def test_an_sp_imports_only_into_the_district(
    demo: Running, demo_files: Path, tmp_path: Path
) -> None:
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    token = await token_for(demo, sp)
    header, *rows = _rows(demo_files / "volunteers.csv")
    at = header.index("police_station")
    conn = await asyncpg.connect(demo.database)
    try:
        bikaner = {
            r["unit_id"]
            for r in await conn.fetch(
                "SELECT unit_id FROM units WHERE path @> ARRAY['DST-BIKANER']"
            )
        }
    finally:
        await conn.close()
    mine = [r for r in rows if r[at] in bikaner]
    theirs = [r for r in rows if r[at] not in bikaner]
    assert mine and theirs
    review = await upload(
        demo, token, _write(tmp_path / "v.csv", [header, *mine[:-3], theirs[0]]),
        kind="volunteers", full_sync=True,
    )  # fmt: skip
    assert [p["code"] for r in review["rejected"] for p in r["problems"]] == ["outside-scope"]
    assert review["review"]["would_deactivate"] == 3
    assert review["review"]["confirmations_needed"] == 1, "a few of many: the uploader alone"
    # Full sync in the SP's district, confirmed: the three volunteers left out are deactivated,
    # nobody in other districts is.
    report = await confirm(demo, token, review["import_id"])
    assert report["counts"]["deactivated"] == 3
    conn = await asyncpg.connect(demo.database)
    try:
        inactive = await conn.fetch(
            """SELECT DISTINCT u.path[3] AS district FROM members m
               JOIN postings p USING (member_id) JOIN units u USING (unit_id)
               WHERE NOT m.active"""
        )
    finally:
        await conn.close()
    assert {r["district"] for r in inactive} == {"DST-BIKANER"}
    restore = await upload(demo, hq_token(), demo_files / "volunteers.csv", kind="volunteers")
    assert restore["counts"]["changed"] == 3
