"""Issue 16 item 1 on the roster: phone sign-in codes. The code goes out sealed on auth.codes.v1
through the outbox, is stored only as a keyed hash, allows five tries for five minutes and is
spent by the right one; the answers never tell whether a number is on the roster; each number
gets three codes in fifteen minutes. Runs on the demo roster in real PostgreSQL and Kafka."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from nazar_contracts import event_types
from nazar_contracts.auth import AuthCodeRequested
from nazar_contracts.registry import parse_json
from nazar_platform.auth.sealed import Sealed

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import Running, demo_roster, read_all, wait_relayed


@pytest.fixture(scope="module")
async def demo(
    databases: DatabaseFactory, kafka_bootstrap: str, demo_files: Path
) -> AsyncIterator[Running]:
    async with demo_roster(databases, kafka_bootstrap, demo_files, "roster_sign_in") as running:
        yield running


async def fetch(database: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def execute(database: str, query: str, *args: Any) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(query, *args)
    finally:
        await conn.close()


async def phones_of(database: str, role: str, count: int) -> list[tuple[str, str]]:
    """(member id, WhatsApp number) of active members with this role and a number of their own."""
    rows = await fetch(
        database,
        """SELECT c.member_id, c.whatsapp FROM contacts c
           JOIN postings p ON p.member_id = c.member_id AND p.role = $1
           JOIN members m ON m.member_id = c.member_id AND m.active AND m.erased_at IS NULL
           WHERE c.whatsapp IS NOT NULL
             AND (SELECT count(*) FROM contacts o
                  WHERE o.whatsapp = c.whatsapp OR o.sms = c.whatsapp) = 1
           ORDER BY c.member_id LIMIT $2""",
        role,
        count,
    )
    return [(r["member_id"], r["whatsapp"]) for r in rows]


def local_form(e164: str) -> str:
    """As a member types it: the ten digits with a space, no +91."""
    return f"{e164[3:8]} {e164[8:]}"


async def code_requests(demo: Running) -> dict[str, AuthCodeRequested]:
    await wait_relayed(demo.database)
    out = {}
    for record in await read_all(demo.bootstrap, demo.topics.codes):
        headers = dict(record.headers)
        assert headers["ce_type"].decode() == event_types.AUTH_CODE_REQUESTED
        event = parse_json(event_types.AUTH_CODE_REQUESTED, record.value or b"")
        assert isinstance(event, AuthCodeRequested)
        out[event.sign_in_id] = event
    return out


def open_code(demo: Running, event: AuthCodeRequested) -> str:
    """What the publisher does with the shared key."""
    sealer = demo.app.state.sign_in_codes.sealer
    return str(
        sealer.open(
            Sealed(event.key_id, event.sealed_code), f"{event.sign_in_id}:{event.member_id}"
        )
    )


async def ask(demo: Running, phone: str, language: str = "en", **extra: str) -> Any:
    async with demo.client(language=language) as c:
        return await c.post("/api/v1/auth/codes", json={"phone": phone, **extra})


async def verify(demo: Running, sign_in_id: str, code: str, language: str = "en") -> Any:
    async with demo.client(language=language) as c:
        return await c.post(
            "/api/v1/auth/codes/verify", json={"sign_in_id": sign_in_id, "code": code}
        )


async def test_a_member_gets_a_sealed_code_and_trades_it_once_for_a_ticket(demo: Running) -> None:
    [(member_id, phone)] = await phones_of(demo.database, "constable", 1)
    r = await ask(demo, local_form(phone))
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) == {"sign_in_id", "expires_at", "expires_in"}
    assert 280 <= body["expires_in"] <= 300
    event = (await code_requests(demo))[body["sign_in_id"]]
    assert event.member_id == member_id and event.channel == "whatsapp"
    code = open_code(demo, event)
    assert len(code) == 6 and code.isdigit()
    # Neither the number nor the code in clear, anywhere on the topic or in the table.
    for record in await read_all(demo.bootstrap, demo.topics.codes):
        raw = (record.value or b"") + b"".join(v for _, v in record.headers)
        assert phone.encode() not in raw and phone[3:].encode() not in raw
        assert code.encode() not in raw
    [row] = await fetch(
        demo.database, "SELECT * FROM sign_ins WHERE sign_in_id = $1", uuid.UUID(body["sign_in_id"])
    )
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    assert code.encode() not in stored and phone.encode() not in stored

    ok = await verify(demo, body["sign_in_id"], code)
    assert ok.status_code == 200, ok.text
    ticket = ok.json()
    assert len(ticket["ticket"]) >= 40 and ticket["needs_passkey"] is False
    again = await verify(demo, body["sign_in_id"], code, language="hi")
    assert again.status_code == 409 and again.json()["code"] == "auth.code_used"
    assert "इस्तेमाल" in again.json()["title"]


async def test_five_wrong_codes_lock_the_sign_in_even_for_the_right_one_after(
    demo: Running,
) -> None:
    [_, (_, phone)] = await phones_of(demo.database, "constable", 2)
    sign_in_id = (await ask(demo, phone)).json()["sign_in_id"]
    code = open_code(demo, (await code_requests(demo))[sign_in_id])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    lefts = []
    for _ in range(4):
        r = await verify(demo, sign_in_id, wrong, language="hi")
        assert r.status_code == 401 and r.json()["code"] == "auth.code_wrong"
        lefts.append(r.json()["attempts_left"])
        assert "प्रयास बाकी" in r.json()["detail"]
    assert lefts == [4, 3, 2, 1]
    fifth = await verify(demo, sign_in_id, wrong)
    assert fifth.status_code == 403 and fifth.json()["code"] == "auth.code_locked"
    right = await verify(demo, sign_in_id, code)
    assert right.status_code == 403 and right.json()["code"] == "auth.code_locked"


async def test_an_expired_code_is_refused(demo: Running) -> None:
    [*_, (_, phone)] = await phones_of(demo.database, "constable", 3)
    sign_in_id = (await ask(demo, phone)).json()["sign_in_id"]
    code = open_code(demo, (await code_requests(demo))[sign_in_id])
    await execute(
        demo.database,
        "UPDATE sign_ins SET expires_at = now() - interval '1 second' WHERE sign_in_id = $1",
        uuid.UUID(sign_in_id),
    )
    r = await verify(demo, sign_in_id, code)
    assert r.status_code == 410 and r.json()["code"] == "auth.code_expired"


async def test_no_answer_tells_whether_a_number_is_on_the_roster(demo: Running) -> None:
    """An unknown number, an inactive member and a volunteer without consent get the very same
    answer as a member, no code is sent, and their sign-ins lock after five tries like any."""
    [*_, (inactive, inactive_phone)] = await phones_of(demo.database, "head_constable", 1)
    await execute(demo.database, "UPDATE members SET active = false WHERE member_id = $1", inactive)
    volunteers = await fetch(
        demo.database,
        """SELECT c.member_id, coalesce(c.whatsapp, c.sms) AS phone FROM contacts c
           JOIN members m USING (member_id)
           WHERE m.consent_required AND coalesce(c.whatsapp, c.sms) IS NOT NULL
             AND (SELECT count(*) FROM contacts o
                  WHERE o.whatsapp = coalesce(c.whatsapp, c.sms)
                     OR o.sms = coalesce(c.whatsapp, c.sms)) = 1
           ORDER BY c.member_id LIMIT 1""",
    )
    await execute(
        demo.database,
        "UPDATE members SET consent_state = 'pending' WHERE member_id = $1",
        volunteers[0]["member_id"],
    )
    unknown = "+919999912345"
    assert not await fetch(
        demo.database, "SELECT 1 FROM contacts WHERE whatsapp = $1 OR sms = $1", unknown
    )
    before = set(await code_requests(demo))
    answers = []
    for phone in (unknown, inactive_phone, volunteers[0]["phone"]):
        r = await ask(demo, phone)
        assert r.status_code == 202, r.text
        answers.append(r.json())
    assert all(set(a) == {"sign_in_id", "expires_at", "expires_in"} for a in answers)
    assert set(await code_requests(demo)) == before  # no code for any of them
    sign_in_id = answers[0]["sign_in_id"]
    statuses = [(await verify(demo, sign_in_id, "123456")).json()["code"] for _ in range(5)]
    assert statuses == ["auth.code_wrong"] * 4 + ["auth.code_locked"]
    ghost = await verify(demo, str(uuid.uuid4()), "123456")
    assert ghost.status_code == 404 and ghost.json()["code"] == "auth.sign_in_unknown"


async def test_three_codes_per_number_then_429_with_retry_after_in_the_callers_language(
    demo: Running,
) -> None:
    [*_, (_, phone)] = await phones_of(demo.database, "constable", 4)
    for _ in range(3):
        assert (await ask(demo, phone)).status_code == 202
    r = await ask(demo, phone, language="hi")
    assert r.status_code == 429, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "auth.too_many" and problem["limit"] == "phone"
    wait = int(r.headers["Retry-After"])
    assert 800 < wait <= 900
    assert f"{wait} सेकंड रुकें" in problem["detail"]


async def test_the_global_limit_stops_a_flood_of_distinct_numbers(demo: Running) -> None:
    codes = demo.app.state.sign_in_codes
    recent = await fetch(
        demo.database,
        "SELECT count(*) AS n FROM sign_ins WHERE created_at > now() - interval '1 minute'",
    )
    limits = dataclasses.replace(codes.limits, global_per_span=recent[0]["n"] + 2)
    demo.app.state.sign_in_codes = dataclasses.replace(codes, limits=limits)
    try:
        assert (await ask(demo, "+919999900001")).status_code == 202
        assert (await ask(demo, "+919999900002")).status_code == 202
        r = await ask(demo, "+919999900003")
        assert r.status_code == 429 and r.json()["limit"] == "global"
    finally:
        demo.app.state.sign_in_codes = codes


async def test_an_sp_needs_a_passkey_after_the_code(demo: Running) -> None:
    [(_, phone)] = await phones_of(demo.database, "sp", 1)
    sign_in_id = (await ask(demo, phone)).json()["sign_in_id"]
    code = open_code(demo, (await code_requests(demo))[sign_in_id])
    r = await verify(demo, sign_in_id, code)
    assert r.status_code == 200 and r.json()["needs_passkey"] is True


async def test_a_number_that_is_not_a_mobile_is_refused_in_hindi(demo: Running) -> None:
    r = await ask(demo, "12345", language="hi")
    assert r.status_code == 422 and r.json()["code"] == "auth.phone_invalid"
    assert "मोबाइल नंबर" in r.json()["detail"]
    bad = await verify(demo, str(uuid.uuid4()), "12ab56", language="hi")
    assert bad.status_code == 422
