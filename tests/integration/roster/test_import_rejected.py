"""An import's rejected rows come back as the CSV the clerk uploaded (its columns and cells, a
reason column the importer ignores, formula cells neutralised, a byte-order mark) and, fixed,
upload again without a duplicate; the office's import history shows the uploader by name and
shows another district nothing; the rows are forgotten after their retention."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from roster.handlers.imports import forget_rejected_rows

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    member_ids_by_role,
    token_for,
    upload,
)

HEADER = ["volunteer_id", "name_hi", "name_latin", "role", "police_station", "whatsapp", "ward"]
ROWS = [
    ["V-FIX-1", "कमला सैनी", "Kamla Saini", "police_mitra", "PS-ROHITAL-KOTWALI",
     "+917000998001", "7"],
    ["V-FIX-2", "गीता मीणा", "Geeta Meena", "police_mitra", "PS-ROHITAL-KOTWALI", "+91 555", "8"],
    ["V-FIX-3", "मंजू जाट", "Manju Jat", "police_mitra", "PS-KISHANGARH-BAS-KOTWALI",
     "+917000998003", "9"],
    ["V-FIX-4", "सीमा राव", "Seema Rao", "police_mitra", "PS-ROHITAL-KOTWALI",
     "+917000998004", "10"],
]  # fmt: skip


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_rejected") as running:
        yield running


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


async def _sp(demo: Running, district: str) -> str:
    return await token_for(demo, (await member_ids_by_role(demo.database, "sp", district))[0])


async def test_rejected_rows_download_fix_and_upload_again(demo: Running, tmp_path: Path) -> None:
    sp = await _sp(demo, "DST-BIKANER")
    first = await upload(
        demo, sp, _write(tmp_path / "ward.csv", [HEADER, *ROWS]), kind="volunteers"
    )
    assert first["counts"]["accepted"] == 2 and first["counts"]["rejected"] == 2
    assert first["rejected_rows_kept"] is True
    import_id = first["import_id"]

    async with demo.client(sp) as c:
        english = await c.get(f"/api/v1/imports/{import_id}/rejected.csv", params={"lang": "en"})
        hindi = await c.get(f"/api/v1/imports/{import_id}/rejected.csv", params={"lang": "hi"})
    assert english.status_code == 200, english.text
    assert english.headers["content-type"].startswith("text/csv")
    assert english.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert table == [
        [*HEADER, "reason"],
        # The file's own cells, would-be formulas ("+91…") neutralised.
        [*ROWS[1][:5], "'+91 555", "8", "WhatsApp number is invalid [whatsapp]"],
        [*ROWS[2][:5], "'+917000998003", "9", "the unit is outside your area [police_station]"],
    ]
    assert english.content.count(b"\r\n") == 3
    hindi_table = list(csv.reader(io.StringIO(hindi.content.decode("utf-8-sig"))))
    assert hindi_table[0][-1] == "कारण"
    assert hindi_table[1][-1] == "व्हाट्सऐप नंबर मान्य मोबाइल नंबर नहीं है [whatsapp]"

    # The clerk fixes the two rows where they are (the reason column stays in the file) and
    # uploads the downloaded file again: both are accepted, nothing is doubled.
    fixed = [table[0], [*table[1][:5], "'+917000998002", *table[1][6:]],
             [*table[2][:4], "PS-ROHITAL-KOTWALI", *table[2][5:]]]  # fmt: skip
    second = await upload(demo, sp, _write(tmp_path / "fixed.csv", fixed), kind="volunteers")
    counts = second["counts"]
    assert (counts["accepted"], counts["rejected"], counts["created"]) == (2, 0, 2)
    assert second["rejected_rows_kept"] is False
    conn = await asyncpg.connect(demo.database)
    try:
        members = await conn.fetch(
            """SELECT m.volunteer_id, c.whatsapp, p.unit_id FROM members m
               JOIN contacts c USING (member_id) JOIN postings p USING (member_id)
               WHERE m.volunteer_id LIKE 'V-FIX-%' ORDER BY m.volunteer_id"""
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in members] == [
        ("V-FIX-1", "+917000998001", "PS-ROHITAL-KOTWALI"),
        ("V-FIX-2", "+917000998002", "PS-ROHITAL-KOTWALI"),
        ("V-FIX-3", "+917000998003", "PS-ROHITAL-KOTWALI"),
        ("V-FIX-4", "+917000998004", "PS-ROHITAL-KOTWALI"),
    ]
    async with demo.client(sp) as c:
        nothing = await c.get(f"/api/v1/imports/{second['import_id']}/rejected.csv")
    assert nothing.status_code == 404
    assert nothing.json()["code"] == "roster.import_rows_not_kept"


async def test_the_history_names_the_uploader_and_stays_in_the_district(
    demo: Running, tmp_path: Path
) -> None:
    sp_id = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    sp = await token_for(demo, sp_id)
    done = await upload(
        demo, sp, _write(tmp_path / "one.csv", [HEADER, ROWS[1]]), kind="volunteers"
    )
    conn = await asyncpg.connect(demo.database)
    try:
        name = await conn.fetchval("SELECT name_hi FROM members WHERE member_id = $1", sp_id)
    finally:
        await conn.close()
    async with demo.client(sp) as c:
        mine = (await c.get("/api/v1/imports", params={"limit": 200})).json()["items"]
    listed = {i["import_id"]: i for i in mine}
    assert listed[done["import_id"]]["uploaded_by_name_hi"] == name
    # Newest first.
    assert mine[0]["import_id"] == done["import_id"]

    # The range's IG sees the district's imports; another district's SP sees none of them.
    ig = await token_for(demo, (await member_ids_by_role(demo.database, "ig", "RNG-BIKANER"))[0])
    other = await _sp(demo, "DST-KHAIRTHAL-TIJARA")
    async with demo.client(ig) as c:
        seen = {i["import_id"] for i in (await c.get("/api/v1/imports")).json()["items"]}
    assert done["import_id"] in seen
    async with demo.client(other) as c:
        theirs = {i["import_id"] for i in (await c.get("/api/v1/imports")).json()["items"]}
        report = await c.get(f"/api/v1/imports/{done['import_id']}")
        rows = await c.get(f"/api/v1/imports/{done['import_id']}/rejected.csv")
    assert done["import_id"] not in theirs
    assert report.status_code == 403 and rows.status_code == 403


async def test_rejected_rows_are_forgotten_after_their_retention(
    demo: Running, tmp_path: Path
) -> None:
    sp = await _sp(demo, "DST-BIKANER")
    done = await upload(
        demo, sp, _write(tmp_path / "again.csv", [HEADER, ROWS[2]]), kind="volunteers"
    )
    assert done["rejected_rows_kept"] is True
    assert await forget_rejected_rows(demo.app.state.roster, timedelta(0)) >= 1
    async with demo.client(sp) as c:
        report = (await c.get(f"/api/v1/imports/{done['import_id']}")).json()
        rows = await c.get(f"/api/v1/imports/{done['import_id']}/rejected.csv")
    assert report["rejected_rows_kept"] is False
    # The reasons stay; only the cells went.
    assert [r["row"] for r in report["rejected"]] == [2]
    assert rows.status_code == 404
