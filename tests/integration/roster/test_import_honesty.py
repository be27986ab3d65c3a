"""Imports that tell the truth and destroy nothing unasked, on the demo roster: a file that is not
UTF-8 at its last row applies nothing, a row with several problems is one rejection, bad text is
a rejection naming its column, the report matches the OpenAPI document, and an empty full sync
deactivates nobody until the uploader and a second officer confirm it."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import jsonschema
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.platform.support import wait_for
from tests.integration.roster.support import (
    Running,
    confirm,
    demo_roster,
    hq_token,
    member_ids_by_role,
    token_for,
    upload,
    wait_relayed,
)

HR_HEADER = ["personnel_no", "name_hi", "name_latin", "rank", "unit", "additional_charge",
             "whatsapp"]  # fmt: skip


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_honesty") as running:
        yield running


async def _fetch(running: Running, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(running.database)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def _stations(running: Running, district: str) -> list[str]:
    rows = await _fetch(
        running,
        "SELECT unit_id FROM units WHERE kind = 'police_station' AND path @> ARRAY[$1]"
        " ORDER BY unit_id",
        district,
    )
    return [r["unit_id"] for r in rows]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


async def test_a_file_not_utf8_at_its_last_row_applies_nothing_and_names_the_line(
    demo: Running, tmp_path: Path
) -> None:
    station = (await _stations(demo, "DST-BIKANER"))[0]
    good = [
        [f"RJPU{n:06d}", "राम कुमार", "Ram Kumar", "constable", station, "", ""]
        for n in range(26_000)  # more than one chunk of 25,000
    ]
    path = _csv(tmp_path / "hr.csv", [HR_HEADER, *good])
    with path.open("ab") as f:
        f.write("RJPU999999,श्याम ".encode() + b"\xff\xfe,Shyam,constable," + station.encode())
    outbox = await _fetch(demo, "SELECT coalesce(max(id), 0) AS top FROM outbox")
    imports = await _fetch(demo, "SELECT count(*) AS n FROM imports")
    for language, text in (("en", "Line 26002 is not UTF-8"), ("hi", "पंक्ति 26002 UTF-8")):
        async with demo.client(hq_token(), language=language) as c:
            r = await c.post(
                "/api/v1/imports", params={"kind": "police"}, content=path.read_bytes(),
                headers={"Content-Type": "text/csv"},
            )  # fmt: skip
        assert r.status_code == 422, r.text
        problem = r.json()
        assert (problem["code"], problem["line"]) == ("roster.import_not_utf8", 26002)
        assert text in problem["detail"]
    assert await _fetch(demo, "SELECT 1 FROM members WHERE personnel_no LIKE 'RJPU%'") == []
    assert await _fetch(demo, "SELECT coalesce(max(id), 0) AS top FROM outbox") == outbox
    assert await _fetch(demo, "SELECT count(*) AS n FROM imports") == imports
    # A record the CSV reader cannot take (a cell over 131,072 characters) is refused the same way.
    huge = _csv(tmp_path / "huge.csv", [HR_HEADER, *good[:3], ["RJPU1", "x" * 200_000]])
    async with demo.client(hq_token()) as c:
        r = await c.post(
            "/api/v1/imports", params={"kind": "police"}, content=huge.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )  # fmt: skip
    assert r.status_code == 422 and (r.json()["code"], r.json()["line"]) == (
        "roster.import_not_csv",
        5,
    )


async def test_a_row_with_several_problems_is_one_rejection_listing_them_all(
    demo: Running, tmp_path: Path
) -> None:
    station = (await _stations(demo, "DST-BIKANER"))[0]
    rows = [
        HR_HEADER,
        ["RJPV000001", "गीता शर्मा", "Geeta Sharma", "si", "PS-NOWHERE-1", "sho@PS-NOWHERE-2", ""],
        ["RJPV000002", "Rekha", "", "general", station, "", "12345"],
        ["RJPV000003", "मोहन लाल", "Mohan Lal", "constable", station, "", ""],
    ]
    report = await upload(demo, hq_token(), _csv(tmp_path / "hr.csv", rows), kind="police")
    problems = {
        r["row"]: [(p["code"], p["column"]) for p in r["problems"]] for r in report["rejected"]
    }
    assert problems == {
        2: [("unknown-unit", "additional_charge"), ("unknown-unit", "unit")],
        3: [("name-hi-not-devanagari", "name_hi"), ("unknown-rank", "rank"),
            ("bad-whatsapp", "whatsapp")],
    }  # fmt: skip
    assert report["counts"]["accepted"] == 1 and report["counts"]["rejected"] == 2
    assert report["counts"]["created"] == 1
    [row] = [r for r in report["rejected"] if r["row"] == 2]
    assert row["key"] == "RJPV000001" and row["problems"][0]["hi"] == "यह इकाई रोस्टर में नहीं है"


async def test_cells_that_are_not_text_are_rejections_naming_the_column(
    demo: Running, tmp_path: Path
) -> None:
    station = (await _stations(demo, "DST-BIKANER"))[0]
    rows = [
        HR_HEADER,
        ["RJPW000001", "राम\x00कुमार", "Ram Kumar", "constable", station, "", ""],
        ["RJPW\x07000002", "श्याम लाल", "Shyam\ufffe", "constable", station, "", ""],
        ["RJPW000003", "सीता देवी", "Sita Devi", "constable", station, "", "+91\x1b7000999003"],
        ["RJPW000004", "गोपाल सिंह", "Gopal Singh", "constable", station, "", ""],
    ]
    report = await upload(demo, hq_token(), _csv(tmp_path / "hr.csv", rows), kind="police")
    got = {r["row"]: (r["key"], [(p["code"], p["column"]) for p in r["problems"]])
           for r in report["rejected"]}  # fmt: skip
    assert got == {
        2: ("RJPW000001", [("invalid-text", "name_hi")]),
        3: (None, [("invalid-text", "name_latin"), ("invalid-text", "personnel_no")]),
        4: ("RJPW000003", [("invalid-text", "whatsapp")]),
    }
    assert report["counts"]["created"] == 1
    # Handed back to fix, a NUL (which PostgreSQL's text cannot hold) is U+FFFD.
    async with demo.client(hq_token()) as c:
        back = await c.get(f"/api/v1/imports/{report['import_id']}/rejected.csv")
    table = list(csv.reader(io.StringIO(back.content.decode("utf-8-sig"))))
    assert table[1][:2] == ["RJPW000001", "राम\ufffdकुमार"]
    units = _csv(
        tmp_path / "units.csv",
        [["unit_code", "kind", "name_hi", "name_en", "parent"],
         ["PS-BROKEN", "police_station", "टूटा\x00थाना", "Broken", station[: station.rfind("-")]]],
    )  # fmt: skip
    unit_report = await upload(demo, hq_token(), units, units=True)
    [rejected] = unit_report["rejected"]
    assert [(p["code"], p["column"]) for p in rejected["problems"]] == [("invalid-text", "name_hi")]


def _validate(openapi: dict[str, Any], name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


async def test_reports_match_the_openapi_document(demo: Running, tmp_path: Path) -> None:
    rows = [HR_HEADER, ["RJPX000001", "Rekha", "", "general", "PS-NOWHERE", "", "12345"]]
    report = await upload(demo, hq_token(), _csv(tmp_path / "hr.csv", rows), kind="police")
    assert report["rejected"] and report["rejected"][0]["problems"]
    async with demo.client(hq_token()) as c:
        openapi = (await c.get("/openapi.json")).json()
        listed = (await c.get("/api/v1/imports", params={"limit": 5})).json()
    get = openapi["paths"]["/api/v1/imports/{import_id}"]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    _validate(openapi, ref.rsplit("/", 1)[1], report)
    _validate(openapi, "ImportReport", report)
    for item in listed["items"]:
        _validate(openapi, "ImportOut", item)
    assert "RowProblem" in openapi["components"]["schemas"]


async def test_an_empty_full_sync_deactivates_nobody_until_two_officers_confirm(
    demo: Running, demo_files: Path, tmp_path: Path
) -> None:
    [sp] = await member_ids_by_role(demo.database, "sp", "DST-BIKANER")
    [ig] = await member_ids_by_role(demo.database, "ig", "RNG-BIKANER")
    other_sp = await member_ids_by_role(demo.database, "sp")
    other_sp.remove(sp)
    co = (await member_ids_by_role(demo.database, "co"))[0]
    in_district = """SELECT m.member_id FROM members m JOIN postings p USING (member_id)
                     JOIN units u USING (unit_id) WHERE p.is_primary AND m.key_kind = 'pno'
                       AND m.active AND u.path @> ARRAY['DST-BIKANER'] ORDER BY 1"""
    active = [r["member_id"] for r in await _fetch(demo, in_district)]
    assert sp in active and len(active) > 10
    top = await wait_relayed(demo.database)
    sp_token = await token_for(demo, sp)
    empty = _csv(tmp_path / "empty.csv", [HR_HEADER])

    review = await upload(demo, sp_token, empty, kind="police", full_sync=True)
    assert review["status"] == "awaiting_confirmation"
    assert review["review"] == {
        "would_deactivate": len(active) - 1, "active": len(active), "confirmations_needed": 2,
        "confirmed_by": [], "confirmers": [], "confirm_before": review["review"]["confirm_before"],
    }  # fmt: skip
    assert [r["member_id"] for r in await _fetch(demo, in_district)] == active
    assert await wait_relayed(demo.database) == top, "a review publishes nothing"
    import_id = review["import_id"]
    async with demo.client(sp_token) as c:
        listed = (await c.get(f"/api/v1/imports/{import_id}/deactivations",
                              params={"limit": 500})).json()  # fmt: skip
    assert sorted(d["member_id"] for d in listed["items"]) == sorted(set(active) - {sp})
    assert all(d["key"] and d["key"].startswith("RJP") for d in listed["items"])

    # The uploader alone is not enough for so many; nor are officers without authority there.
    first = await confirm(demo, sp_token, import_id, expect="awaiting_confirmation")
    again = await confirm(demo, sp_token, import_id, expect="awaiting_confirmation")
    assert first["review"]["confirmed_by"] == again["review"]["confirmed_by"] == [sp]
    for outsider in (co, other_sp[0]):
        async with demo.client(await token_for(demo, outsider)) as c:
            refused = await c.post(f"/api/v1/imports/{import_id}/confirmation")
        assert refused.status_code == 403, refused.text
    assert [r["member_id"] for r in await _fetch(demo, in_district)] == active

    done = await confirm(demo, await token_for(demo, ig), import_id)
    assert done["counts"]["deactivated"] == len(active) - 1
    assert done["review"]["confirmed_by"] == [sp, ig]
    # The report names who confirmed, first first.
    assert [c["member_id"] for c in done["review"]["confirmers"]] == [sp, ig]
    assert all(c["name_hi"] for c in done["review"]["confirmers"])
    assert [r["member_id"] for r in await _fetch(demo, in_district)] == [sp]
    async with demo.client(sp_token) as c:
        late = await c.post(f"/api/v1/imports/{import_id}/confirmation")
    assert late.status_code == 409 and late.json()["code"] == (
        "roster.import_not_awaiting_confirmation"
    )
    assert await _fetch(demo, "SELECT 1 FROM import_files WHERE import_id = $1", import_id) == []
    audited = await _fetch(
        demo,
        """SELECT member_id, outcome, action, target_unit FROM audit_log
           WHERE path = $1 ORDER BY id""",
        f"/api/v1/imports/{import_id}/confirmation",
    )
    assert [tuple(r) for r in audited] == [
        (sp, "allowed", "roster.import", "DST-BIKANER"),
        (sp, "allowed", "roster.import", "DST-BIKANER"),
        (ig, "allowed", "roster.import", "DST-BIKANER"),
        (sp, "failed", "roster.import", "DST-BIKANER"),
    ]
    # The refusals are counted (per caller, reason and minute), not written one by one.
    counted = """SELECT who, reason FROM audit_refusals
                 WHERE action = 'roster.import' AND status = 403 AND who = ANY($1::text[])"""

    async def refusals_counted() -> bool:
        rows = await _fetch(demo, counted, [co, other_sp[0]])
        return {(r["who"], r["reason"]) for r in rows} == {
            (co, "role_lacks_action"),
            (other_sp[0], "outside_scope"),
        }

    await wait_for(refusals_counted, within=30)
    # Headquarters puts the district back (the HR export says everyone is active).
    restored = await upload(demo, hq_token(), demo_files / "police.csv", kind="police")
    back = [r["member_id"] for r in await _fetch(demo, in_district)]
    assert restored["counts"]["changed"] == len(back) - 1 and set(back) <= set(active)


async def test_a_review_expires_unconfirmed_and_a_harmless_one_applies_on_one_confirmation(
    demo: Running, demo_files: Path
) -> None:
    volunteers = demo_files / "volunteers.csv"
    stale = await upload(demo, hq_token(), volunteers, kind="volunteers", full_sync=True)
    await _fetch(
        demo,
        "UPDATE imports SET confirm_before = now() - interval '1 minute' WHERE import_id = $1",
        stale["import_id"],
    )
    async with demo.client(hq_token()) as c:
        late = await c.post(f"/api/v1/imports/{stale['import_id']}/confirmation")
        expired = (await c.get(f"/api/v1/imports/{stale['import_id']}")).json()
    assert late.status_code == 409 and late.json()["code"] == "roster.import_review_expired"
    assert expired["status"] == "expired"
    assert await _fetch(demo, "SELECT 1 FROM import_files WHERE import_id = $1",
                        stale["import_id"]) == []  # fmt: skip

    review = await upload(demo, hq_token(), volunteers, kind="volunteers", full_sync=True)
    assert review["review"]["would_deactivate"] == 0
    assert review["review"]["confirmations_needed"] == 1
    done = await confirm(demo, hq_token(), review["import_id"])
    assert done["counts"]["deactivated"] == 0 and done["counts"]["events"] == 0
