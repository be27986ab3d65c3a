"""Erasure requests (issue 20 item 6): an SHO of the member's station asks, with a reason; they
cannot decide their own request; the SP of the district approves and the member is erased as
before; the three read models (directive, social-publisher, story-intake, really running on
the test's topics) each confirm on erasure.confirmations.v1 and the request shows when. An office
of another district sees none of it; a rejection keeps the member; bad input is a problem
document in Hindi and English."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.roster.read_models import running_read_models
from tests.integration.roster.support import (
    Running,
    demo_roster,
    hq_clerk_token,
    token_for,
)

READ_MODELS = ["directive", "social-publisher", "story-intake"]
DEVANAGARI = range(0x0900, 0x0980)


@dataclass(frozen=True)
class District:
    sp: str
    sho: str
    station: str
    volunteers: list[str]


@dataclass(frozen=True)
class World:
    running: Running
    read_models: dict[str, str]
    home: District
    other: District


async def _district(conn: asyncpg.Connection, skip: str | None) -> tuple[str, District]:
    row = await conn.fetchrow(
        """SELECT d.unit_id AS district, sp.member_id AS sp, sho.member_id AS sho,
                  sho.unit_id AS station
           FROM units d
           JOIN postings sp ON sp.unit_id = d.unit_id AND sp.role = 'sp'
           JOIN units s ON s.path[array_length(d.path, 1)] = d.unit_id
                       AND s.kind = 'police_station'
           JOIN postings sho ON sho.unit_id = s.unit_id AND sho.role = 'sho'
           WHERE d.kind = 'district' AND d.unit_id IS DISTINCT FROM $1
             AND (SELECT count(*) FROM postings v WHERE v.unit_id = s.unit_id
                  AND v.role IN ('gram_rakshak', 'police_mitra', 'suraksha_sakhi',
                                 'clg_member')) >= 3
           ORDER BY d.unit_id, s.unit_id LIMIT 1""",
        skip,
    )
    assert row is not None
    volunteers = await conn.fetch(
        """SELECT member_id FROM postings WHERE unit_id = $1 AND role IN
           ('gram_rakshak', 'police_mitra', 'suraksha_sakhi', 'clg_member')
           ORDER BY member_id""",
        row["station"],
    )
    return row["district"], District(
        row["sp"], row["sho"], row["station"], [v["member_id"] for v in volunteers]
    )


@pytest.fixture(scope="module")
async def world(
    databases: DatabaseFactory,
    kafka_bootstrap: str,
    demo_files: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_erasures") as running:
        conn = await asyncpg.connect(running.database)
        try:
            name, home = await _district(conn, None)
            _, other = await _district(conn, name)
        finally:
            await conn.close()
        tmp = tmp_path_factory.mktemp("read-models")
        async with running_read_models(databases, kafka_bootstrap, running.topics, tmp) as dsns:
            yield World(running, dsns, home, other)


async def _as(world: World, member: str, method: str, path: str, **kw: Any) -> Any:
    async with world.running.client(await token_for(world.running, member)) as c:
        return await c.request(method, f"/api/v1{path}", **kw)


async def _held(dsn: str, read_model: str, member: str) -> int:
    sql = {
        "directive": "SELECT count(*) FROM members WHERE id = $1",
        "social-publisher": "SELECT count(*) FROM contacts WHERE member_id = $1",
        "story-intake": "SELECT count(*) FROM members WHERE id = $1",
    }[read_model]
    conn = await asyncpg.connect(dsn)
    try:
        count: int = await conn.fetchval(sql, member)
        return count
    finally:
        await conn.close()


async def _until_held(world: World, member: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    for name in READ_MODELS:
        while not await _held(world.read_models[name], name, member):
            assert time.monotonic() < deadline, f"{name} never got {member}"
            await asyncio.sleep(0.5)


async def test_requested_by_the_sho_approved_by_the_sp_confirmed_by_every_read_model(
    world: World,
) -> None:
    home, member = world.home, world.home.volunteers[0]
    await _until_held(world, member)
    asked = await _as(
        world,
        home.sho,
        "POST",
        "/erasures",
        headers={"Idempotency-Key": "e-1"},
        json={"member_id": member, "reason": "She asked in writing on 1 Dec."},
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "requested" and request["requested_by"] == home.sho
    assert request["member_name_hi"] and request["erased_at"] is None
    assert [c["confirmed_at"] for c in request["confirmations"]] == [None, None, None]
    rid = request["request_id"]

    # The requester cannot approve their own request (an SHO may not erase anyway).
    for language, title in (("en", "You cannot decide"), ("hi", "आप अपने ही")):
        own = await _as(
            world,
            home.sho,
            "POST",
            f"/erasures/{rid}/approval",
            headers={"Accept-Language": language},
        )
        assert own.status_code == 403
        assert own.headers["content-type"].startswith("application/problem+json")
        assert own.json()["code"] == "roster.erasure_own_request"
        assert own.json()["title"].startswith(title), own.json()
    # Another district's office sees none of it and cannot decide it.
    for path in (f"/erasures/{rid}", f"/erasures?member={member}", "/erasures"):
        seen = await _as(world, world.other.sp, "GET", path)
        assert seen.status_code in (200, 404), seen.text
        if seen.status_code == 200:
            assert all(i["request_id"] != rid for i in seen.json()["items"])
    refused = await _as(world, world.other.sp, "POST", f"/erasures/{rid}/approval")
    assert refused.status_code == 404 and refused.json()["code"] == "roster.erasure_not_found"
    # The district's SP sees it among the district's requests and approves it.
    listed = await _as(world, home.sp, "GET", "/erasures", params={"member": member})
    assert [i["request_id"] for i in listed.json()["items"]] == [rid]
    approved = await _as(
        world, home.sp, "POST", f"/erasures/{rid}/approval", json={"note": "Checked the letter."}
    )
    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert (done["status"], done["decided_by"], done["decision_note"]) == (
        "approved",
        home.sp,
        "Checked the letter.",
    )
    assert done["erased_at"] and done["member_name_hi"] == "" and not done["complete"]
    gone = await _as(world, home.sp, "GET", f"/members/{member}")
    assert gone.status_code in (403, 404)
    # The request and the approval are on the audit trail: who, with which action, on whom.
    conn = await asyncpg.connect(world.running.database)
    try:
        audited = await conn.fetch(
            """SELECT member_id, action, path, status, outcome FROM audit_log
               WHERE target_member = $1 AND path LIKE '/api/v1/erasures%' ORDER BY id""",
            member,
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in audited] == [
        (home.sho, "roster.write", "/api/v1/erasures", 201, "allowed"),
        (home.sp, "roster.erase", f"/api/v1/erasures/{rid}/approval", 200, "allowed"),
    ]
    again = await _as(world, home.sp, "POST", f"/erasures/{rid}/rejection")
    assert again.status_code == 409 and again.json()["code"] == "roster.erasure_decided"

    started = time.monotonic()
    while True:
        shown = (await _as(world, home.sho, "GET", f"/erasures/{rid}")).json()
        if shown["complete"]:
            break
        assert time.monotonic() - started < 120, shown
        await asyncio.sleep(0.5)
    confirmed = {c["read_model"]: c["confirmed_at"] for c in shown["confirmations"]}
    assert sorted(confirmed) == READ_MODELS and all(confirmed.values())
    assert all(at >= done["erased_at"] for at in confirmed.values())
    for name in READ_MODELS:
        assert await _held(world.read_models[name], name, member) == 0, name
    print(f"all three read models confirmed {time.monotonic() - started:.1f} s after approval")


async def test_a_rejection_keeps_the_member_and_a_new_request_may_follow(world: World) -> None:
    home, member = world.home, world.home.volunteers[1]
    asked = await _as(
        world,
        home.sho,
        "POST",
        "/erasures",
        json={"member_id": member, "reason": "Duplicate entry, we think."},
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["request_id"]
    twice = await _as(
        world, home.sho, "POST", "/erasures", json={"member_id": member, "reason": "Asked again."}
    )
    assert twice.status_code == 409 and twice.json()["code"] == "roster.erasure_pending"
    rejected = await _as(
        world,
        home.sp,
        "POST",
        f"/erasures/{rid}/rejection",
        json={"note": "Not a duplicate: two different people."},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["erased_at"] is None
    assert (await _as(world, home.sp, "GET", f"/members/{member}")).status_code == 200
    late = await _as(world, home.sp, "POST", f"/erasures/{rid}/approval")
    assert late.status_code == 409 and late.json()["code"] == "roster.erasure_decided"
    anew = await _as(
        world,
        home.sho,
        "POST",
        "/erasures",
        json={"member_id": member, "reason": "Now she asked in writing."},
    )
    assert anew.status_code == 201


async def test_bad_input_is_a_problem_document_in_hindi_and_english(world: World) -> None:
    home = world.home
    cases: list[tuple[str, str, dict[str, Any] | None, int]] = [
        ("POST", "/erasures", {"member_id": home.volunteers[2], "reason": " "}, 422),
        ("POST", "/erasures", {"member_id": home.volunteers[2]}, 422),
        ("POST", "/erasures", {"member_id": home.volunteers[2], "reason": "x" * 501}, 422),
        ("POST", "/erasures", {"member_id": world.other.volunteers[0], "reason": "Not mine."}, 403),
        ("GET", "/erasures/era-unknown", None, 404),
        ("GET", "/erasures?cursor=not-a-cursor", None, 400),
    ]
    for method, path, body, status in cases:
        titles = {}
        for language in ("en", "hi"):
            r = await _as(
                world, home.sho, method, path, json=body, headers={"Accept-Language": language}
            )
            assert r.status_code == status, (path, body, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            titles[language] = r.json()["title"]
        assert any(ord(ch) in DEVANAGARI for ch in titles["hi"]), titles
        assert not any(ord(ch) in DEVANAGARI for ch in titles["en"]), titles
    async with world.running.client(hq_clerk_token()) as c:
        unknown = await c.post(
            "/api/v1/erasures", json={"member_id": "m-nobody", "reason": "Gone."}
        )
    assert unknown.status_code == 404 and unknown.json()["code"] == "roster.member_not_found"
