"""Every endpoint × role × own unit / foreign unit: the right status, and no leak.

A leak is a member record outside the caller's scope in a 200 response, except the officers who
are members or admins of the caller's own groups (a CO may see that the SP and IG are in the
circle group). What the caller may see is computed here from the database, independently of
the service's own queries.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.roster.support import (
    Running,
    hq_token,
    import_roster,
    make_topics,
    running_roster,
    token_for,
    upload,
    wait_relayed,
)

FOREIGN_DISTRICT = "DST-KHAIRTHAL-TIJARA"
OFFICERS = (
    "sho", "co", "sp", "ig", "adg", "home_secretary", "joint_secretary_home", "police_pro",
    "sp_phq_crime",
)  # fmt: skip
FIELD = {"constable", "volunteer"}


@dataclass
class Caller:
    name: str
    member_id: str
    unit: str  # their posting
    token: str
    own_member: str  # someone in their area (themself for field members)
    own_volunteer: str
    own_station: str
    own_circle: str
    visible: set[str]  # member ids they may see


@dataclass
class World:
    running: Running
    callers: dict[str, Caller]
    foreign_member: str
    foreign_volunteer: str
    foreign_station: str
    foreign_circle: str


async def _one(conn: asyncpg.Connection, sql: str, *args: Any) -> Any:
    value = await conn.fetchval(sql, *args)
    assert value is not None, sql
    return value


async def _visible(conn: asyncpg.Connection, member: str, area: str | None) -> set[str]:
    """Members in `area`'s subtree (everyone for None), the caller, and the officers and admins
    of the caller's groups."""
    rows = await conn.fetch(
        """SELECT DISTINCT p.member_id FROM postings p JOIN units u USING (unit_id)
           WHERE $1::text IS NULL OR u.path @> ARRAY[$1::text]""",
        area,
    ) if area != "" else []  # fmt: skip
    officers = await conn.fetch(
        """SELECT o.member_id FROM group_members mine JOIN group_members o USING (group_id)
           WHERE mine.member_id = $1 AND (o.role = ANY($2::text[]) OR o.is_admin)""",
        member,
        list(OFFICERS),
    )
    return {r["member_id"] for r in rows} | {r["member_id"] for r in officers} | {member}


@pytest.fixture(scope="module")
async def world(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[World]:
    database = await databases.create("roster_access")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    try:
        async with running_roster(database, kafka_bootstrap, topics) as running:
            await import_roster(running, demo_files)
            await wait_relayed(database)
            conn = await asyncpg.connect(database)
            try:
                yield await _build(running, conn)
            finally:
                await conn.close()
    finally:
        await factory.delete_all()
        await databases.drop(database)


async def _build(running: Running, conn: asyncpg.Connection) -> World:
    async def posted(role: str, unit_sql: str, *args: Any) -> tuple[str, str]:
        row = await conn.fetchrow(
            f"""SELECT p.member_id, p.unit_id FROM postings p JOIN units u USING (unit_id)
                JOIN members m USING (member_id)
                WHERE p.role = $1 AND m.active AND {unit_sql} ORDER BY p.member_id LIMIT 1""",
            role,
            *args,
        )
        assert row is not None, role
        return row["member_id"], row["unit_id"]

    in_bikaner = "u.path @> ARRAY['DST-BIKANER']"
    co, circle = await posted("co", in_bikaner)
    sho, station = await posted("sho", "u.parent_id = $2", circle)
    constable, _ = await posted("constable", "u.unit_id = $2", station)
    volunteer, _ = await posted("clg_member", "u.unit_id = $2", station)
    people = {
        "hq": await posted("adg", "true"),
        "ig": await posted("ig", "u.unit_id = 'RNG-BIKANER'"),
        "sp": await posted("sp", "u.unit_id = 'DST-BIKANER'"),
        "co": (co, circle),
        "sho": (sho, station),
        "constable": (constable, station),
        "volunteer": (volunteer, station),
        "cell": await posted("content_writer", "true"),
    }
    other_volunteer, _ = await posted("gram_rakshak", "u.unit_id = $2", station)
    areas = {"hq": None, "ig": "RNG-BIKANER", "sp": "DST-BIKANER", "co": circle, "sho": station}
    callers = {}
    for name, (member, unit) in people.items():
        field = name in FIELD
        callers[name] = Caller(
            name=name, member_id=member, unit=unit, token=await token_for(running, member),
            own_member=member if field else other_volunteer,
            own_volunteer=member if name == "volunteer" else other_volunteer,
            own_station=station, own_circle=circle,
            visible=await _visible(conn, member, areas.get(name, "")),
        )  # fmt: skip
    in_foreign = f"u.path @> ARRAY['{FOREIGN_DISTRICT}']"
    foreign_volunteer, foreign_station = await posted("suraksha_sakhi", in_foreign)
    foreign_member, _ = await posted("constable", in_foreign)
    foreign_circle = await _one(
        conn, "SELECT parent_id FROM units WHERE unit_id = $1", foreign_station
    )
    return World(
        running, callers, foreign_member, foreign_volunteer, foreign_station, foreign_circle
    )


def _member_ids(body: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "member_id" and isinstance(value, str):
                found.add(value)
            else:
                found |= _member_ids(value)
    elif isinstance(body, list):
        for item in body:
            found |= _member_ids(item)
    return found


async def _call(
    world: World, caller: Caller, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    async with world.running.client(caller.token) as c:
        r = await c.request(method, f"/api/v1{path}", **kwargs)
    body = r.json() if r.headers.get("content-type", "").endswith("json") else None
    if r.status_code == 200:
        leaked = _member_ids(body) - caller.visible
        assert not leaked, f"{caller.name} {method} {path} leaked {sorted(leaked)}"
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
    return r.status_code, body


ROLES = ["hq", "ig", "sp", "co", "sho", "constable", "volunteer", "cell"]
READERS = {"hq", "ig", "sp", "co", "sho", "constable", "volunteer"}
COMMAND = {"hq", "ig", "sp", "co", "sho"}
IMPORTERS = {"hq", "ig", "sp"}


@pytest.mark.parametrize("role", ROLES)
async def test_reads(world: World, role: str) -> None:
    me = world.callers[role]
    reader = role in READERS
    ok = 200 if reader else 403
    for path in ("/units", "/units/PHQ", f"/units/{FOREIGN_DISTRICT}/subtree"):
        assert (await _call(world, me, "GET", path))[0] == ok, path
    status, _ = await _call(world, me, "GET", f"/members/{me.own_member}")
    assert status == ok
    status, _ = await _call(world, me, "GET", f"/members/{world.foreign_member}")
    assert status == (200 if role == "hq" else 403)
    for params in ({"q": "a"}, {"q": "शर्मा"}, {"unit": FOREIGN_DISTRICT}, {"role": "sp"}, {}):
        status, body = await _call(world, me, "GET", "/members", params={**params, "limit": 500})
        assert status == ok
        if reader and role in COMMAND and not params.get("unit"):
            assert body["items"], f"{role} finds members of their own area"
    status, body = await _call(world, me, "GET", "/groups", params={"limit": 500})
    assert status == ok
    own_group, foreign_group = f"circle.{me.own_circle}", f"circle.{world.foreign_circle}"
    if reader and role != "hq":
        listed = {g["group_id"] for g in body["items"]}
        assert own_group in listed or (
            role in ("ig", "sp") and any(g.startswith("circle.") for g in listed)
        )
        assert foreign_group not in listed
    status, body = await _call(
        world, me, "GET", f"/groups/{own_group}/members", params={"limit": 500}
    )
    assert status == ok
    if role == "constable":
        roles = {m["role"] for m in body["items"] if m["member_id"] != me.member_id}
        assert roles <= set(OFFICERS), "a field member sees only the officers of the group"
    status, _ = await _call(world, me, "GET", f"/groups/{foreign_group}/members")
    assert status == (200 if role == "hq" else 403)
    status, _ = await _call(world, me, "GET", "/groups/state-crime/members")
    assert status in ((200,) if role in ("hq", "ig", "sp") else (403,))
    # The tree's reads (issue 20): counts, members and groups of a unit need the unit in scope.
    assert (await _call(world, me, "GET", "/tree"))[0] == ok
    for unit, own in ((me.own_station, True), (world.foreign_station, False)):
        for tail in ("counts", "members", "groups"):
            status, _ = await _call(world, me, "GET", f"/units/{unit}/{tail}")
            allowed = role == "hq" or (own and role in COMMAND)
            assert status == (200 if allowed else 403), (unit, tail)
    status, _ = await _call(world, me, "GET", f"/groups/{own_group}/changes")
    assert status == (200 if role in COMMAND and role != "sho" else 403)


def _volunteer_body(unit: str, suffix: str) -> dict[str, Any]:
    return {
        "volunteer_id": f"V-ACCESS-{suffix}", "name_hi": "ललिता सैनी", "name_latin": "Lalita Saini",
        "postings": [{"role": "clg_member", "unit_id": unit, "primary": True}],
        "sms": f"+91700099{abs(hash(suffix)) % 10000:04d}",
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
async def test_writes(world: World, role: str) -> None:
    me = world.callers[role]
    writer = role in COMMAND
    for target, own in ((me.own_member, True), (world.foreign_member, False)):
        status, _ = await _call(
            world, me, "PATCH", f"/members/{target}", json={"preferred_language": "hi"}
        )
        assert status == (200 if writer and (own or role == "hq") else 403), (target, own)
    for unit, own in ((me.own_station, True), (world.foreign_station, False)):
        status, _ = await _call(
            world, me, "POST", "/members", json=_volunteer_body(unit, f"{role}-{own}")
        )
        assert status == (201 if writer and (own or role == "hq") else 403), (unit, own)
    for target, own in ((me.own_volunteer, True), (world.foreign_volunteer, False)):
        status, _ = await _call(
            world, me, "POST", f"/members/{target}/consent", json={"state": "granted"}
        )
        allowed = (writer or role == "volunteer") and (own or role == "hq")
        assert status == (200 if allowed else 403), (target, own)
    for parent, own in ((me.own_circle, True), (world.foreign_circle, False)):
        code = f"PS-ACCESS-{role.upper()}-{'OWN' if own else 'FOREIGN'}"
        body = {"unit_id": code, "kind": "police_station", "name_hi": "नया थाना",
                "name_en": "New station", "parent_id": parent}  # fmt: skip
        status, _ = await _call(world, me, "POST", "/units", json=body)
        # An SHO's area is the station itself: a new station belongs to the circle above.
        creator = writer and role != "sho"
        assert status == (201 if creator and (own or role == "hq") else 403), (parent, own)


@pytest.mark.parametrize("role", ROLES)
async def test_erasure_and_imports(world: World, role: str, tmp_path: Path) -> None:
    me = world.callers[role]
    reason = {"reason": f"Asked in writing ({role})."}
    # Asking for an erasure is the office's (roster.write over the member); deciding is an
    # eraser's (roster.erase: SP, IG, PHQ) who did not ask.
    status, asked = await _call(
        world, me, "POST", "/erasures", json={"member_id": world.foreign_member, **reason}
    )
    assert status == (201 if role == "hq" else 403)
    if role == "hq":
        own, problem = await _call(world, me, "POST", f"/erasures/{asked['request_id']}/approval")
        assert (own, problem["code"]) == (403, "roster.erasure_own_request")
    if role in COMMAND - {"hq"}:
        hq = world.callers["hq"]
        created = await _call(
            world, hq, "POST", "/members", json=_volunteer_body(me.own_station, f"erase-{role}")
        )
        assert created[0] == 201
        member = created[1]["member_id"]
        me.visible.add(member)  # created in their area after the fixture
        hq.visible.add(member)
        status, asked = await _call(
            world, me, "POST", "/erasures", json={"member_id": member, **reason}
        )
        assert status == 201, asked
        status, _ = await _call(world, me, "POST", f"/erasures/{asked['request_id']}/approval")
        assert status == 403  # their own request (a CO or SHO may not erase at all)
        status, done = await _call(world, hq, "POST", f"/erasures/{asked['request_id']}/approval")
        assert status == 200 and done["status"] == "approved" and done["erased_at"], done
    header = ["volunteer_id", "name_hi", "role", "police_station", "sms"]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        header,
        [f"V-IMP-{role}-1", "सरोज मीणा", "police_mitra", me.own_station, "+917000998801"],
        [f"V-IMP-{role}-2", "सरोज जाट", "police_mitra", world.foreign_station, "+917000998802"],
    ])  # fmt: skip
    path = tmp_path / "v.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    if role in IMPORTERS:
        report = await upload(world.running, me.token, path, kind="volunteers")
        rejected = [p["code"] for r in report["rejected"] for p in r["problems"]]
        assert rejected == ([] if role == "hq" else ["outside-scope"])
        status, _ = await _call(
            world, world.callers["co"], "GET", f"/imports/{report['import_id']}"
        )
        assert status == 403, "a CO reads no import report"
    else:
        async with world.running.client(me.token) as c:
            r = await c.post(
                "/api/v1/imports", params={"kind": "volunteers"}, content=path.read_bytes(),
                headers={"Content-Type": "text/csv"},
            )  # fmt: skip
        assert r.status_code == 403
    # Headquarters' own import report stays with headquarters.
    hq_report = await upload(world.running, hq_token(), path, kind="volunteers")
    status, _ = await _call(world, me, "GET", f"/imports/{hq_report['import_id']}")
    assert status == (200 if role == "hq" else 403)


@pytest.mark.parametrize("role", ROLES)
async def test_member_pages_and_changes(world: World, role: str) -> None:
    """Issue 20 item 3: a member's file and audit, (de)activation, consent with its proof,
    transfer. (`foreign_member` may be erased by now: the foreign volunteer stands in.)"""
    me = world.callers[role]
    reader, writer = role in READERS, role in COMMAND
    today = date.today().isoformat()
    for target, own in ((me.own_member, True), (world.foreign_volunteer, False)):
        status, body = await _call(world, me, "GET", f"/members/{target}/file")
        assert status == (200 if reader and (own or role == "hq") else 403), (target, own)
        if status == 200:
            assert body["member"]["whatsapp"] is None and body["member"]["sms"] is None
            assert all("•" in ch["number"] or len(ch["number"]) <= 4 for ch in body["channels"])
        status, _ = await _call(world, me, "GET", f"/members/{target}/audit")
        assert status == (200 if writer and (own or role == "hq") else 403), (target, own)
        for change in ("deactivate", "reactivate"):
            status, _ = await _call(world, me, "POST", f"/members/{target}/{change}")
            assert status == (200 if writer and (own or role == "hq") else 403), (change, own)
    for target, own in ((me.own_volunteer, True), (world.foreign_volunteer, False)):
        status, _ = await _call(
            world, me, "POST", f"/members/{target}/consent-records",
            json={"state": "granted", "method": "form", "given_on": today},
        )  # fmt: skip
        allowed = (writer or role == "volunteer") and (own or role == "hq")
        assert status == (200 if allowed else 403), (target, own)
    if role != "hq":
        status, _ = await _call(
            world, me, "POST", f"/members/{me.own_member}/transfer",
            json={"to_unit": world.foreign_station, "on": today},
        )  # fmt: skip
        assert status == 403
