"""The tree's API (issue 20, items 2 and 5) on the demo roster: counts over a unit's subtree held
to counts computed here from the tables, where each caller's tree starts, a unit's own members
and groups, who may read them, and a group's history after a transfer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    fetch_all,
    hq_token,
    member_ids_by_role,
    token_for,
)
from tests.integration.roster.tree_counts import ORDER, expected_counts


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_tree") as running:
        yield running


async def _get(running: Running, token: str, path: str, **params: Any) -> tuple[int, Any]:
    async with running.client(token) as c:
        r = await c.get(f"/api/v1{path}", params=params)
    return r.status_code, r.json()


async def _station_of(database: str, district: str) -> tuple[str, str]:
    conn = await asyncpg.connect(database)
    try:
        row = await conn.fetchrow(
            """SELECT unit_id, parent_id FROM units WHERE kind = 'police_station' AND active
               AND path @> ARRAY[$1::text] ORDER BY unit_id LIMIT 1""",
            district,
        )
    finally:
        await conn.close()
    assert row is not None
    return row["unit_id"], row["parent_id"]


async def test_counts_are_the_rows_counted(demo: Running) -> None:
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    token = await token_for(demo, sp)
    station, circle = await _station_of(demo.database, "DST-BIKANER")
    # A constable with no number at all: the counts must name them as unreachable.
    async with demo.client(hq_token()) as c:
        r = await c.post(
            "/api/v1/members",
            json={"personnel_no": "RJ-TREE-0001", "name_hi": "बिना फ़ोन", "name_latin": "No Phone",
                  "postings": [{"role": "constable", "unit_id": station, "primary": True}]},
        )  # fmt: skip
        assert r.status_code == 201, r.text
    for unit in ("DST-BIKANER", circle, station):
        status, body = await _get(demo, token, f"/units/{unit}/counts")
        assert status == 200
        expected = await expected_counts(demo.database, unit)
        assert body == expected, unit
        assert body["unreachable"] >= 1 and body["police"]["constable"] >= 1
        # Ranks and kinds come most senior first (the page's rows in that order).
        assert list(body["police"]) == sorted(body["police"], key=ORDER.index)
    district = (await _get(demo, token, "/units/DST-BIKANER/counts"))[1]
    assert district["police"]["sp"] >= 1 and district["volunteers"], "a district has everyone"
    status, state = await _get(demo, hq_token(), "/units/PHQ/counts")
    assert status == 200 and state == await expected_counts(demo.database, "PHQ")
    assert state["total"] > district["total"]


async def test_where_each_tree_starts_and_who_may_read(demo: Running) -> None:
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    other = (await member_ids_by_role(demo.database, "sp", "DST-KHAIRTHAL-TIJARA"))[0]
    mine, theirs = await token_for(demo, sp), await token_for(demo, other)
    assert [u["unit_id"] for u in (await _get(demo, mine, "/tree"))[1]] == ["DST-BIKANER"]
    assert [u["unit_id"] for u in (await _get(demo, hq_token(), "/tree"))[1]] == ["PHQ"]
    co = (await member_ids_by_role(demo.database, "co"))[0]
    co_unit = (await _get(demo, await token_for(demo, co), "/tree"))[1]
    assert len(co_unit) == 1 and co_unit[0]["kind"] == "circle"
    for tail in ("counts", "members", "groups"):
        status, body = await _get(demo, theirs, f"/units/DST-BIKANER/{tail}")
        assert status == 403 and body["code"] == "access.forbidden", tail
        assert (await _get(demo, mine, f"/units/DST-BIKANER/{tail}"))[0] == 200
    assert (await _get(demo, mine, "/units/DST-NOWHERE/counts"))[0] == 404


async def test_a_units_members_and_groups(demo: Running) -> None:
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    token = await token_for(demo, sp)
    station, circle = await _station_of(demo.database, "DST-BIKANER")
    async with demo.client(token) as c:
        listed = await fetch_all(c, f"/api/v1/units/{station}/members", limit=7)
    conn = await asyncpg.connect(demo.database)
    try:
        posted = {
            r["member_id"]
            for r in await conn.fetch(
                """SELECT p.member_id FROM postings p JOIN members m USING (member_id)
                   WHERE p.unit_id = $1 AND m.erased_at IS NULL""",
                station,
            )
        }
        circles = {
            r["unit_id"]
            for r in await conn.fetch(
                "SELECT unit_id FROM units WHERE parent_id = 'DST-BIKANER' AND kind = 'circle'"
            )
        }
    finally:
        await conn.close()
    assert [m["member_id"] for m in listed] == sorted(posted), "paged by id, each member once"
    assert all(m["name_hi"] for m in listed)
    status, groups = await _get(demo, token, f"/units/{station}/groups")
    assert status == 200 and [g["group_id"] for g in groups] == [f"circle.{circle}"]
    assert groups[0]["member_count"] > len(posted)
    status, groups = await _get(demo, token, "/units/DST-BIKANER/groups")
    assert {g["group_id"] for g in groups} == {f"circle.{c}" for c in circles}
    status, admins = await _get(demo, token, f"/groups/circle.{circle}/members", admin="true")
    assert status == 200 and [m["role"] for m in admins["items"]] == ["co"]
    assert admins["items"][0]["unit_name_en"] and admins["items"][0]["unit_name_hi"]


async def test_a_transfer_is_in_both_groups_history(demo: Running) -> None:
    conn = await asyncpg.connect(demo.database)
    try:
        row = await conn.fetchrow(
            """SELECT p.member_id, u.circle_id AS old_circle,
                      (SELECT s.unit_id FROM units s WHERE s.kind = 'police_station'
                         AND s.parent_id IN (SELECT unit_id FROM units
                                             WHERE parent_id = 'DST-BIKANER')
                         AND s.circle_id <> u.circle_id ORDER BY s.unit_id LIMIT 1) AS new_station
               FROM postings p JOIN units u USING (unit_id) JOIN members m USING (member_id)
               WHERE p.role = 'constable' AND m.active AND u.path @> ARRAY['DST-BIKANER']
                 AND (SELECT count(*) FROM postings q WHERE q.member_id = p.member_id) = 1
               ORDER BY p.member_id LIMIT 1"""
        )
        assert row is not None and row["new_station"] is not None
        new_circle = await conn.fetchval(
            "SELECT circle_id FROM units WHERE unit_id = $1", row["new_station"]
        )
    finally:
        await conn.close()
    member = row["member_id"]
    sp = (await member_ids_by_role(demo.database, "sp", "DST-BIKANER"))[0]
    token = await token_for(demo, sp)
    old, new = f"circle.{row['old_circle']}", f"circle.{new_circle}"
    assert not [c for c in (await _get(demo, token, f"/groups/{new}/changes"))[1]["items"]
                if c["member_id"] == member]  # fmt: skip
    async with demo.client(token) as c:
        r = await c.patch(
            f"/api/v1/members/{member}",
            json={"postings": [{"role": "constable", "unit_id": row["new_station"],
                                "primary": True}]},
        )  # fmt: skip
        assert r.status_code == 200, r.text
    status, left = await _get(demo, token, f"/groups/{old}/changes")
    assert status == 200
    assert [(c["change"], c["role"]) for c in left["items"] if c["member_id"] == member] == [
        ("left", "constable")
    ]
    joined = (await _get(demo, token, f"/groups/{new}/changes"))[1]["items"]
    mine = [c for c in joined if c["member_id"] == member]
    assert [(c["change"], c["unit_id"]) for c in mine] == [("joined", row["new_station"])]
    assert mine[0]["name_hi"] and mine[0]["unit_name_hi"] and mine[0]["at"]
    # The constable sees the officers of their new group, never its history.
    status, body = await _get(demo, await token_for(demo, member), f"/groups/{new}/changes")
    assert status == 403 and body["code"] == "access.forbidden"
    other = (await member_ids_by_role(demo.database, "sp", "DST-KHAIRTHAL-TIJARA"))[0]
    assert (await _get(demo, await token_for(demo, other), f"/groups/{new}/changes"))[0] == 403
