"""A flood of refused requests: 429s with Retry-After once the budget is spent, and the audit
trail grows by a handful of counted rows, not by one row per request."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from nazar_platform.http.ratelimit import RateLimitSettings
from prometheus_client import REGISTRY

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import RunningApp, client, serve_app
from tests.integration.platform.http.test_problems import assert_problem, note
from tests.integration.platform.http.testapp import bearer
from tests.integration.platform.support import wait_for

FLOOD = 300
LIMITS = RateLimitSettings(address="20/s burst 40", principal="5/s burst 10")
FORGED = bearer(
    "m-adg-crime", "adg:PHQ", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
)
SP = bearer("m-sp-flood", "sp:DST-BIKANER")
ADG = bearer("m-adg-crime", "adg:PHQ")


@pytest.fixture
async def limited_app(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> AsyncIterator[RunningApp]:
    """The test application with small limits, fresh for each test (its buckets too)."""
    database = await databases.create("flood")
    topics = TopicFactory(kafka_bootstrap)
    topic = await topics("notes", partitions=1)
    try:
        async with serve_app(database, kafka_bootstrap, topic, LIMITS) as running:
            yield running
    finally:
        await topics.delete_all()
        await databases.drop(database)


async def scalar(running: RunningApp, sql: str) -> Any:
    conn = await asyncpg.connect(running.database)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def flood(http: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
    """FLOOD requests, eight at a time, as fast as the app answers."""
    todo = iter(range(FLOOD))
    out: list[httpx.Response] = []

    async def worker() -> None:
        for _ in todo:
            out.append(await http.post("/api/v1/notes", json=note(), headers=headers))

    await asyncio.gather(*(worker() for _ in range(8)))
    return out


def limited(limit: str) -> float:
    value = REGISTRY.get_sample_value(
        "nazar_rate_limited_total", {"service": "testapp", "route_class": "api", "limit": limit}
    )
    return value or 0.0


async def counted(running: RunningApp, total: int) -> list[dict[str, Any]]:
    """The refusal counts once all `total` refusals are written."""

    async def all_written() -> bool:
        written = await scalar(running, "SELECT coalesce(sum(count), 0) FROM audit_refusals")
        return bool(written == total)

    await wait_for(all_written, within=20)
    conn = await asyncpg.connect(running.database)
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM audit_refusals ORDER BY id")]
    finally:
        await conn.close()


async def test_a_flood_of_forged_tokens_gets_429s_and_only_counted_refusals(
    limited_app: RunningApp,
) -> None:
    before = limited("address")
    entries_before = await scalar(limited_app, "SELECT count(*) FROM audit_log")
    async with client(limited_app) as http:
        answers = await flood(http, {**FORGED, "Accept-Language": "hi"})
    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) == {401, 429}, statuses
    assert 40 <= statuses[401] < FLOOD / 2  # the burst, and what refilled meanwhile
    for response in answers:
        if response.status_code == 429:
            body = assert_problem(response, 429, "too_many_requests")
            assert 1 <= int(response.headers["retry-after"]) <= 2
            assert response.headers["retry-after"] in body["detail"]  # in Hindi, as asked
    assert limited("address") == before + statuses[429]
    # The trail did not grow by a row per request: a few counted rows say it all.
    assert await scalar(limited_app, "SELECT count(*) FROM audit_log") == entries_before
    rows = await counted(limited_app, FLOOD)
    assert len(rows) <= 4  # (401, bad_signature) and (429, rate_limit.address), per minute
    by_reason: Counter[tuple[int, str]] = Counter()
    for row in rows:
        assert (row["who_kind"], row["who"], row["action"]) == ("address", "127.0.0.1", "")
        by_reason[(row["status"], row["reason"])] += row["count"]
    assert by_reason == {
        (401, "bad_signature"): statuses[401],
        (429, "rate_limit.address"): statuses[429],
    }


async def test_a_member_past_their_budget_gets_429s_counted_under_their_id(
    limited_app: RunningApp,
) -> None:
    before = limited("principal")
    async with client(limited_app) as http:
        answers = [await http.get("/api/v1/notes", headers=SP) for _ in range(30)]
        statuses = [r.status_code for r in answers]
        assert statuses[:10] == [200] * 10 and 429 in statuses[10:], statuses
        refused = next(r for r in answers if r.status_code == 429)
        assert_problem(refused, 429, "too_many_requests")
        assert refused.headers["retry-after"] == "1"
        assert limited("principal") == before + statuses.count(429)
        rows = await counted(limited_app, statuses.count(429))
        assert [(r["who_kind"], r["who"], r["status"], r["reason"]) for r in rows] == [
            ("member", "m-sp-flood", 429, "rate_limit.principal")
        ]
        # Headquarters reads the counts through the audit API, filtered.
        await asyncio.sleep(1)  # the address bucket refills meanwhile
        page = await http.get(
            "/api/v1/audit/refusals", params={"who": "m-sp-flood", "status": 429}, headers=ADG
        )
        other = await http.get(
            "/api/v1/audit/refusals", params={"reason": "bad_signature"}, headers=ADG
        )
        not_hq = await http.get("/api/v1/audit/refusals", headers=SP)
    assert page.status_code == 200, page.text
    [item] = page.json()["items"]
    assert (item["who"], item["reason"], item["count"], item["action"]) == (
        "m-sp-flood",
        "rate_limit.principal",
        statuses.count(429),
        None,
    )
    assert other.json() == {"items": [], "next_cursor": None}
    assert not_hq.status_code in (403, 429)


async def test_the_database_refuses_to_change_a_count_but_upwards(limited_app: RunningApp) -> None:
    async with client(limited_app) as http:
        await http.get("/api/v1/notes")
    await counted(limited_app, 1)
    conn = await asyncpg.connect(limited_app.database)
    try:
        await conn.execute("UPDATE audit_refusals SET count = count + 1")  # what the upsert does
        for statement in (
            "UPDATE audit_refusals SET count = 0",
            "UPDATE audit_refusals SET reason = 'nothing'",
            "DELETE FROM audit_refusals",
            "TRUNCATE audit_refusals",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only counts up"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT sum(count) FROM audit_refusals") == 2
    finally:
        await conn.close()
