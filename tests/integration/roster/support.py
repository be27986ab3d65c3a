"""Running the roster service in a test: its own database and topics, tokens, uploads, reads."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from nazar_platform.kafka.dlq import RawRecord
from roster.app import create
from roster.settings import RosterSettings

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve


@dataclass(frozen=True)
class RosterTopics:
    units: str
    members: str
    contacts: str
    groups: str
    replies: str
    codes: str = "auth.codes.v1"
    confirmations: str = "erasure.confirmations.v1"  # the read models' erasure confirmations

    @property
    def compacted(self) -> list[str]:
        return [self.units, self.members, self.contacts, self.groups]


async def make_topics(
    factory: TopicFactory, config: dict[str, str] | None = None, partitions: int = 3
) -> RosterTopics:
    compact = {"cleanup.policy": "compact", **(config or {})}
    names = [
        await factory(f"roster.{what}", partitions=partitions, config=compact, personal_data=True)
        for what in ("units", "members", "contacts", "groups")
    ]
    replies = await factory("dispatch.replies", partitions=2, config={"cleanup.policy": "delete"})
    units, members, contacts, groups = names
    codes = await factory(
        "auth.codes", partitions=partitions, config={"cleanup.policy": "delete"}, personal_data=True
    )
    confirmations = await factory(
        "erasure.confirmations", partitions=partitions, config={"cleanup.policy": "delete"}
    )
    return RosterTopics(units, members, contacts, groups, replies, codes, confirmations)


def settings_for(
    database: str, bootstrap: str, topics: RosterTopics, **overrides: Any
) -> RosterSettings:
    return RosterSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=bootstrap,
        database_pool_min=1,
        database_pool_max=8,
        outbox_poll_interval=timedelta(milliseconds=50),
        shutdown_timeout=timedelta(seconds=20),
        topic_units=topics.units,
        topic_members=topics.members,
        topic_contacts=topics.contacts,
        topic_groups=topics.groups,
        topic_replies=topics.replies,
        topic_auth_codes=topics.codes,
        opt_out_consumer_group=f"roster-opt-outs-{topics.replies}",
        topic_erasure_confirmations=topics.confirmations,
        erasure_consumer_group=f"roster-erasures-{topics.confirmations}",
        **overrides,
    )


@dataclass(frozen=True)
class Running:
    app: FastAPI
    url: str
    database: str
    topics: RosterTopics
    bootstrap: str

    def client(self, token: str | None = None, language: str = "en") -> httpx.AsyncClient:
        headers = {"Accept-Language": language}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=120)


@contextlib.asynccontextmanager
async def running_roster(
    database: str, bootstrap: str, topics: RosterTopics, **overrides: Any
) -> AsyncIterator[Running]:
    app = create(settings_for(database, bootstrap, topics, **overrides))
    async with serve(app) as url:
        yield Running(app, url, database, topics, bootstrap)


def mint_token(member_id: str, *grants: str) -> str:
    """A token for any grants (e.g. 'adg:PHQ'), signed with the dev key the service accepts."""
    settings = AuthSettings()
    return mint(
        member_id,
        [Grant.parse(g) for g in grants],
        private_key=ensure_dev_keypair(settings.dev_private_key_path),
        issuer=settings.issuer,
        audience=settings.audience,
        ttl=timedelta(hours=1),
        kid=settings.dev_kid,
    )


def hq_token() -> str:
    """Headquarters (the ADG at PHQ). Minted when asked: the session's stack sets the key."""
    return mint_token("m-test-hq-admin", f"{Role.ADG.value}:PHQ")


def hq_clerk_token() -> str:
    """A second officer at PHQ: asks for erasures that `hq_token()`'s officer then decides."""
    return mint_token("m-test-hq-clerk", f"{Role.ADG.value}:PHQ")


async def erase(running: Running, member_id: str) -> httpx.Response:
    """A member's erasure as the office does it: PHQ's clerk asks, another PHQ officer approves;
    the approval's answer."""
    async with running.client(hq_clerk_token()) as c:
        asked = await c.post(
            "/api/v1/erasures",
            json={"member_id": member_id, "reason": "The member asked in writing (test)."},
        )
        assert asked.status_code == 201, asked.text
    async with running.client(hq_token()) as c:
        return await c.post(f"/api/v1/erasures/{asked.json()['request_id']}/approval")


async def token_for(running: Running, member_id: str) -> str:
    """The token the dev sign-in gives this member (grants = their postings)."""
    async with running.client() as c:
        r = await c.post("/api/v1/dev/tokens", json={"member_id": member_id})
        r.raise_for_status()
        token: str = r.json()["token"]
        return token


async def upload(
    running: Running,
    token: str,
    path: Path,
    *,
    kind: str | None = None,
    units: bool = False,
    full_sync: bool = False,
    within: float = 300,
    expect: str | None = None,
) -> dict[str, Any]:
    """Upload and wait for the report: `done`, or `awaiting_confirmation` for a full sync (unless
    `expect` says otherwise)."""
    params: dict[str, str] = {"filename": path.name, "full_sync": str(full_sync).lower()}
    if units:
        params["units"] = "true"
    if kind:
        params["kind"] = kind
    async with running.client(token) as c:
        r = await c.post(
            "/api/v1/imports",
            params=params,
            content=path.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )
        assert r.status_code == 202, r.text
        expected = expect or ("awaiting_confirmation" if full_sync else "done")
        return await settled(c, r.json()["import_id"], expected, within)


async def settled(
    client: httpx.AsyncClient, import_id: str, expect: str, within: float = 300
) -> dict[str, Any]:
    """The import's report once it is no longer running (its status must be `expect`)."""
    deadline = time.monotonic() + within
    while True:
        report: dict[str, Any] = (
            await client.get(f"/api/v1/imports/{import_id}", params={"limit": 500})
        ).json()
        if report["status"] != "running":
            assert report["status"] == expect, report
            return report
        assert time.monotonic() < deadline, f"import {import_id} still running"
        await asyncio.sleep(0.2)


async def confirm(
    running: Running, token: str, import_id: str, expect: str = "done"
) -> dict[str, Any]:
    """Confirm a full sync's review as the token's member; the report once settled."""
    async with running.client(token) as c:
        r = await c.post(f"/api/v1/imports/{import_id}/confirmation")
        assert r.status_code == 200, r.text
        return await settled(c, import_id, expect)


async def import_roster(running: Running, directory: Path) -> list[dict[str, Any]]:
    return [
        await upload(running, hq_token(), directory / "units.csv", units=True),
        await upload(running, hq_token(), directory / "police.csv", kind="police"),
        await upload(running, hq_token(), directory / "volunteers.csv", kind="volunteers"),
    ]


async def wait_relayed(database: str, within: float = 300) -> int:
    """Until the outbox has nothing left to publish; returns the outbox's highest id."""
    conn = await asyncpg.connect(database)
    try:
        deadline = time.monotonic() + within
        while await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            assert time.monotonic() < deadline, "the outbox publisher did not catch up"
            await asyncio.sleep(0.2)
        top: int = await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox")
        return top
    finally:
        await conn.close()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(50):
        # A consumer without a subscription refreshes metadata only when asked.
        consumer._client.add_topic(topic)
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await asyncio.sleep(0.1)
    raise AssertionError(f"topic {topic} has no partitions")


async def read_all(bootstrap: str, topic: str) -> list[RawRecord]:
    """Every record in the topic now, from offset 0, partition by partition."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=5000,
        fetch_max_bytes=32 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024,
    )  # fmt: skip
    await consumer.start()
    out: list[RawRecord] = []
    try:
        partitions = await _partitions(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, records in batches.items():
                out += [
                    RawRecord(r.topic, r.partition, r.offset, r.key, r.value, tuple(r.headers))
                    for r in records
                ]
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return out


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[str, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [tp for topic in topics for tp in await _partitions(consumer, topic)]
        # aiokafka's stop() trips over a consumer that never had an assignment.
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        return {t: sum(n for tp, n in ends.items() if tp.topic == t) for t in topics}
    finally:
        await consumer.stop()


async def fetch_all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list, read as a polite integrator does: a 429 waits `Retry-After`."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": 500}
        if cursor:
            query["cursor"] = cursor
        r = await client.get(path, params=query)
        if r.status_code == 429:
            await asyncio.sleep(float(r.headers["Retry-After"]))
            continue
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def member_ids_by_role(database: str, role: str, unit: str | None = None) -> list[str]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT member_id FROM postings WHERE role = $1 AND ($2::text IS NULL OR unit_id = $2)"
            " ORDER BY member_id",
            role,
            unit,
        )
        return [r["member_id"] for r in rows]
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def demo_roster(
    databases: DatabaseFactory,
    kafka_bootstrap: str,
    demo_files: Path,
    name: str,
    **overrides: Any,
) -> AsyncIterator[Running]:
    """The roster on a database and topics of its own, the demo files imported without a
    rejection and relayed to Kafka: a module's `demo` fixture (`overrides`: more settings)."""
    database = await databases.create(name)
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    try:
        async with running_roster(database, kafka_bootstrap, topics, **overrides) as running:
            reports = await import_roster(running, demo_files)
            assert [r["counts"]["rejected"] for r in reports] == [0, 0, 0]
            await wait_relayed(database)
            yield running
    finally:
        await factory.delete_all()
        await databases.drop(database)
