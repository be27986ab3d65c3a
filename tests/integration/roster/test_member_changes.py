"""The office's changes to one member (issue 20, item 3) on a real database and Kafka: a transfer
ends the old posting (kept in the history) and starts the new one, the member and both circle
groups flow on the topics, the request is on the audit trail with the member as its target; a
volunteer's consent is recorded with its proof; deactivation and reactivation; the member list's
filters; another district's SP is refused with a problem document in Hindi and English; bad input
is an RFC 9457 problem."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import (
    Running,
    demo_roster,
    fetch_all,
    member_ids_by_role,
    read_all,
    token_for,
    wait_relayed,
)

DISTRICT, OTHER = "DST-BIKANER", "DST-KHAIRTHAL-TIJARA"


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_member_changes") as r:
        yield r


async def _sql(demo: Running, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(demo.database)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def _constable_and_target(demo: Running) -> tuple[str, str, str, str]:
    """A constable posted at a station of DISTRICT, their station's circle, and a station of
    another circle of the same district."""
    rows = await _sql(
        demo,
        """SELECT p.member_id, p.unit_id, u.circle_id FROM postings p
           JOIN units u ON u.unit_id = p.unit_id
           WHERE p.role = 'constable' AND u.kind = 'police_station' AND u.path @> ARRAY[$1]
             AND (SELECT count(*) FROM postings q WHERE q.member_id = p.member_id) = 1
           ORDER BY p.member_id LIMIT 1""",
        DISTRICT,
    )
    member, station, circle = rows[0]["member_id"], rows[0]["unit_id"], rows[0]["circle_id"]
    target = await _sql(
        demo,
        """SELECT unit_id, circle_id FROM units WHERE kind = 'police_station' AND active
           AND path @> ARRAY[$1] AND circle_id <> $2 ORDER BY unit_id LIMIT 1""",
        DISTRICT,
        circle,
    )
    return member, station, target[0]["unit_id"], target[0]["circle_id"]


async def _sp(demo: Running, district: str) -> str:
    return await token_for(demo, (await member_ids_by_role(demo.database, "sp", district))[0])


def _latest(records: list[Any], key: str) -> dict[str, Any] | None:
    found = None
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        if r.key is not None and r.key.decode() == key and r.value is not None:
            found = json.loads(r.value)
    return found


async def _on_topic(demo: Running, topic: str, key: str, needle: str, present: bool) -> None:
    deadline = time.monotonic() + 60
    while True:
        await wait_relayed(demo.database)
        doc = _latest(await read_all(demo.bootstrap, topic), key)
        if doc is not None and (needle in json.dumps(doc)) == present:
            return
        assert time.monotonic() < deadline, f"{key} on {topic}: {needle} present={present}"


async def test_a_transfer_ends_the_old_posting_and_moves_the_circle_group(demo: Running) -> None:
    member, station, target, target_circle = await _constable_and_target(demo)
    old_circle = (await _sql(demo, "SELECT circle_id FROM units WHERE unit_id = $1", station))[0][0]
    on = datetime.now(UTC).date() - timedelta(days=1)
    token = await _sp(demo, DISTRICT)
    async with demo.client(token) as c:
        r = await c.post(
            f"/api/v1/members/{member}/transfer", json={"to_unit": target, "on": on.isoformat()},
            headers={"Idempotency-Key": f"transfer-{member}"},
        )  # fmt: skip
        assert r.status_code == 200, r.text
        assert [(p["unit_id"], p["since"]) for p in r.json()["postings"]] == [
            (target, on.isoformat())
        ]
        file = (await c.get(f"/api/v1/members/{member}/file")).json()
        sp_id = (await member_ids_by_role(demo.database, "sp", DISTRICT))[0]
        [ended] = file["posting_history"]
        assert (ended["unit_id"], ended["role"], ended["until"], ended["ended_by"]) == (
            station, "constable", on.isoformat(), sp_id,
        )  # fmt: skip
        assert ended["unit_name_en"]
        # The old circle's group lost them, the new one has them, with the change on record.
        joined = await fetch_all(c, f"/api/v1/groups/circle.{target_circle}/changes")
        assert any(x["member_id"] == member and x["change"] == "joined" for x in joined)
        left = await fetch_all(c, f"/api/v1/groups/circle.{old_circle}/changes")
        assert any(x["member_id"] == member and x["change"] == "left" for x in left)
        # The audit trail: the request, by the SP, about the member.
        trail = (await c.get(f"/api/v1/members/{member}/audit")).json()["items"]
        assert trail[0]["change"] == "transfer" and trail[0]["by"] == sp_id
        assert trail[0]["outcome"] == "allowed" and trail[0]["action"] == "roster.write"
    # The member's record and both groups flow on the topics.
    await _on_topic(demo, demo.topics.members, member, f'"unit_id": "{target}"', True)
    await _on_topic(demo, demo.topics.groups, f"circle.{target_circle}", member, True)
    await _on_topic(demo, demo.topics.groups, f"circle.{old_circle}", member, False)


async def test_consent_is_recorded_with_its_proof(demo: Running) -> None:
    rows = await _sql(
        demo,
        """SELECT p.member_id FROM postings p JOIN units u ON u.unit_id = p.unit_id
           JOIN members m ON m.member_id = p.member_id
           WHERE p.role = 'gram_rakshak' AND u.path @> ARRAY[$1]
           ORDER BY roster_consent_state(m.consent_required, m.consent_state) = 'granted',
                    p.member_id LIMIT 1""",
        DISTRICT,
    )
    member = rows[0]["member_id"]
    given = date.today() - timedelta(days=3)
    token = await _sp(demo, DISTRICT)
    sp_id = (await member_ids_by_role(demo.database, "sp", DISTRICT))[0]
    async with demo.client(token) as c:
        r = await c.post(
            f"/api/v1/members/{member}/consent-records",
            json={"state": "granted", "method": "form", "given_on": given.isoformat()},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["consent"]["state"], r.json()["consent"]["method"]) == ("granted", "form")
        proof = (await c.get(f"/api/v1/members/{member}/file")).json()["consent_proof"]
        assert (proof["given_on"], proof["recorded_by"]) == (given.isoformat(), sp_id)
        listed = await fetch_all(
            c, "/api/v1/members", unit=DISTRICT, role="gram_rakshak", consent="granted"
        )
        assert member in {m["member_id"] for m in listed}
        assert all(m["consent_state"] == "granted" for m in listed)
        # Withdrawn, then: the state and the proof follow.
        r = await c.post(
            f"/api/v1/members/{member}/consent-records",
            json={"state": "withdrawn", "method": "sms", "given_on": date.today().isoformat()},
        )
        assert r.json()["consent"]["state"] == "withdrawn"
        trail = (await c.get(f"/api/v1/members/{member}/audit")).json()["items"]
        assert [t["change"] for t in trail[:2]] == ["consent", "consent"]
    await _on_topic(demo, demo.topics.members, member, '"state": "withdrawn"', True)


async def test_deactivate_and_reactivate(demo: Running) -> None:
    member = (await _constable_and_target(demo))[0]
    token = await _sp(demo, DISTRICT)
    async with demo.client(token) as c:
        r = await c.post(f"/api/v1/members/{member}/deactivate")
        assert r.status_code == 200 and r.json()["active"] is False
        inactive = await fetch_all(c, "/api/v1/members", unit=DISTRICT, active="false")
        assert member in {m["member_id"] for m in inactive}
        await _on_topic(demo, demo.topics.members, member, '"active": false', True)
        r = await c.post(f"/api/v1/members/{member}/reactivate")
        assert r.status_code == 200 and r.json()["active"] is True
        changes = [t["change"] for t in (await c.get(f"/api/v1/members/{member}/audit")).json()[
            "items"]]  # fmt: skip
        assert changes[:2] == ["reactivate", "deactivate"]


async def test_the_file_masks_numbers_and_the_list_filters(demo: Running) -> None:
    token = await _sp(demo, DISTRICT)
    async with demo.client(token) as c:
        page = (await c.get("/api/v1/members", params={"unit": DISTRICT, "channel": "whatsapp",
                                                       "limit": 5})).json()  # fmt: skip
        assert page["items"] and all("whatsapp" in m["channels"] for m in page["items"])
        member = page["items"][0]["member_id"]
        number = (await c.get(f"/api/v1/members/{member}")).json()["whatsapp"]
        file = (await c.get(f"/api/v1/members/{member}/file")).json()
        [whatsapp] = [ch for ch in file["channels"] if ch["channel"] == "whatsapp"]
        assert whatsapp["number"].endswith(number[-4:])
        assert number[-8:-4] not in whatsapp["number"] and "•" in whatsapp["number"]
        assert file["member"]["whatsapp"] is None and file["member"]["sms"] is None
        # A Hindi name finds the member.
        name_hi = (await c.get(f"/api/v1/members/{member}")).json()["name_hi"]
        found = await fetch_all(c, "/api/v1/members", q=name_hi.split()[0], unit=DISTRICT)
        assert member in {m["member_id"] for m in found}


@pytest.mark.parametrize(("lang", "title"), [("en", "Not allowed"), ("hi", "अनुमति नहीं है")])
async def test_another_districts_sp_is_refused(demo: Running, lang: str, title: str) -> None:
    member, _, target, _ = await _constable_and_target(demo)
    token = await _sp(demo, OTHER)
    async with demo.client(token, language=lang) as c:
        for path, body in (
            ("transfer", {"to_unit": target, "on": date.today().isoformat()}),
            ("deactivate", None),
            ("consent-records", {"state": "granted", "method": "form",
                                 "given_on": date.today().isoformat()}),
        ):  # fmt: skip
            r = await c.post(f"/api/v1/members/{member}/{path}", json=body)
            assert r.status_code == 403, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "access.forbidden" and r.json()["title"] == title
        for path in ("file", "audit"):
            r = await c.get(f"/api/v1/members/{member}/{path}")
            assert r.status_code == 403 and r.json()["title"] == title
        # Of the district's list they see only the officers they share a group with (its SP,
        # in the state crime group), never its constables and volunteers.
        listed = await fetch_all(c, "/api/v1/members", unit=DISTRICT)
        assert member not in {m["member_id"] for m in listed}
        assert {p["role"] for m in listed for p in m["postings"]} <= {"sp", "ig", "co"}


@pytest.mark.parametrize(
    ("lang", "says"),
    [("en", "the date cannot be in the future"), ("hi", "तारीख भविष्य की नहीं हो सकती")],
)
async def test_bad_input_is_a_problem_document(demo: Running, lang: str, says: str) -> None:
    member, station, _, _ = await _constable_and_target(demo)
    token = await _sp(demo, DISTRICT)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    other_station = (await _sql(
        demo, "SELECT unit_id FROM units WHERE kind = 'police_station' AND unit_id <> $1"
        " AND path @> ARRAY[$2] ORDER BY unit_id LIMIT 1", station, DISTRICT,
    ))[0][0]  # fmt: skip
    async with demo.client(token, language=lang) as c:
        r = await c.post(
            f"/api/v1/members/{member}/transfer", json={"to_unit": other_station, "on": tomorrow}
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "roster.change_refused"
        assert says in r.json()["detail"] and "date-in-future" in r.json()["reasons"]
        # Not JSON of the right shape: the platform's validation problem.
        for body in ({"to_unit": "not a code", "on": "2026-01-01"}, {"on": "yesterday"},
                     {"to_unit": other_station, "on": "2026-01-01", "extra": 1}):  # fmt: skip
            r = await c.post(f"/api/v1/members/{member}/transfer", json=body)
            assert r.status_code in (400, 422), r.text
            assert r.headers["content-type"].startswith("application/problem+json")
        # A unit a constable cannot be posted at (the district itself is allowed; a circle too):
        # consent for a constable is not applicable.
        r = await c.post(
            f"/api/v1/members/{member}/consent-records",
            json={"state": "granted", "method": "form", "given_on": date.today().isoformat()},
        )
        assert r.status_code == 422 and "not-a-volunteer" in r.json()["reasons"]
        r = await c.post("/api/v1/members/m-nobody/deactivate")
        assert r.status_code in (403, 404)
        assert r.headers["content-type"].startswith("application/problem+json")
