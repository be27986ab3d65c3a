"""The publishing queue in this process, on real PostgreSQL and Kafka: the platform runtime
(`started`) with only the social parts, and a network client whose answers a test scripts.

The scripted client keeps the account's posts like a network would, so that reconciliation reads
back what an "accepted, then the answer was lost" call really left on the account.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaProducer
from nazar_contracts.publish import Overflow, PublishRequested
from nazar_contracts.registry import parse_json, spec_for_model
from nazar_contracts.stories import PublicChannel
from nazar_platform.db import migrations
from nazar_platform.kafka.cloudevents import decode, format_time, headers_for
from nazar_platform.service import ServiceParts, Task
from nazar_platform.service.parts import migrate, started
from pydantic import BaseModel, SecretStr
from social_publisher.adapters.social import AccountLimits, SocialCallError
from social_publisher.adapters.tokens import TokenCipher
from social_publisher.domain.social import (
    AccountAccess,
    ErrorKind,
    Network,
    PostRequest,
    Published,
    RemotePost,
    SocialError,
)
from social_publisher.settings import PublisherSettings, SocialAccountSetting
from social_publisher.store import accounts as account_store
from social_publisher.workers.social import Social
from social_publisher.workers.social_queue import Networks
from social_publisher.workers.tokens import TokenKeeper

from tests.integration.platform.support import read_topic

KEY = TokenCipher.new_key()
ACCOUNTS = [
    SocialAccountSetting(account_id="x-state", network=Network.X, name="Rajasthan Police (X)",
                         provider_account_id="1500000000000000001", handle="PoliceRajasthan",
                         daily_cap=50),
    SocialAccountSetting(account_id="facebook-state", network=Network.FACEBOOK,
                         name="Rajasthan Police (Facebook)", provider_account_id="200",
                         handle="PoliceRajasthan"),
    SocialAccountSetting(account_id="instagram-state", network=Network.INSTAGRAM,
                         name="Rajasthan Police (Instagram)",
                         provider_account_id="17841400000000001", handle="policerajasthan"),
]  # fmt: skip
# The tokens the fakes know (tests/integration/social_publisher/support.py for Instagram's).
TOKENS = {"instagram-state": "test-instagram-token"}
_ids = itertools.count(1)


# An answer a test scripts: "ok", "lost" (the network posts it, then the answer never arrives),
# or an error the client raises without posting.
Answer = str | SocialError


@dataclass
class ScriptedClient:
    network: Network
    script: list[Answer] = field(default_factory=list)
    posts: list[RemotePost] = field(default_factory=list)
    calls: int = 0
    deleted: list[str] = field(default_factory=list)
    can_delete: bool = True
    remaining: int | None = None
    resets_at: datetime | None = None
    tokens_seen: list[str] = field(default_factory=list)

    async def publish(self, access: AccountAccess, post: PostRequest) -> Published:
        self.calls += 1
        self.tokens_seen.append(access.access_token)
        answer = self.script.pop(0) if self.script else "ok"
        if isinstance(answer, SocialError):
            raise SocialCallError(answer)
        pid = f"{self.network}-{next(_ids)}"
        self.posts.append(
            RemotePost(pid, post.text, datetime.now(UTC), f"https://example.org/{pid}")
        )
        if answer == "lost":
            raise SocialCallError(
                SocialError(ErrorKind.UNCLEAR, self.network, "timeout", "no answer in time")
            )
        return Published(pid, f"https://example.org/{pid}")

    async def recent_posts(self, access: AccountAccess, since: datetime) -> Sequence[RemotePost]:
        return sorted(
            (p for p in self.posts if p.created_at >= since), key=lambda p: p.created_at,
            reverse=True,
        )  # fmt: skip

    async def delete(self, access: AccountAccess, provider_post_id: str) -> bool:
        if not self.can_delete:
            return False
        self.deleted.append(provider_post_id)
        self.posts = [p for p in self.posts if p.provider_post_id != provider_post_id]
        return True

    async def limits(self, access: AccountAccess) -> AccountLimits:
        return AccountLimits(remaining=self.remaining, resets_at=self.resets_at)


def error(network: Network, kind: ErrorKind, code: str, **kw: object) -> SocialError:
    return SocialError(kind, network, code, f"{code}: कारण, reason", **kw)  # type: ignore[arg-type]


class ScriptedSocial(Social):
    def __init__(self, settings: PublisherSettings, clients: dict[Network, ScriptedClient]) -> None:
        super().__init__(settings)
        self.clients = clients

    def networks(self) -> Networks:
        real = super().networks()  # the accounts' real tokens and media store
        return Networks(clients=dict(self.clients), access=real.access, creatives=real.creatives)


def settings_for(
    dsn: str, bootstrap: str, requests: str, results: str, **extra: object
) -> PublisherSettings:
    return PublisherSettings(
        database_url=SecretStr(dsn),
        kafka_bootstrap=bootstrap,
        environment="test",
        topic_publish_requests=requests,
        topic_publish_results=results,
        consumer_group=f"social-{uuid.uuid4().hex[:8]}",
        social_accounts=ACCOUNTS,
        social_token_key=SecretStr(KEY),
        outbox_poll_interval=timedelta(milliseconds=50),
        social_poll_interval=timedelta(milliseconds=100),
        social_retry_base=timedelta(milliseconds=200),
        social_retry_cap=timedelta(seconds=1),
        social_reconcile_settle=timedelta(seconds=1),
        social_gauge_interval=timedelta(milliseconds=200),
        **extra,  # type: ignore[arg-type]
    )


async def prepare(settings: PublisherSettings, parts: ServiceParts) -> None:
    """The schema, the accounts and their sealed tokens, before the queue starts."""
    await migrate(parts)
    cipher = TokenCipher(KEY)
    conn = await asyncpg.connect(settings.database_url.get_secret_value())
    try:
        for a in ACCOUNTS:
            await account_store.configure(
                conn, account_id=a.account_id, network=a.network, name=a.name,
                provider_account_id=a.provider_account_id, handle=a.handle,
                daily_cap=a.daily_cap,
            )  # fmt: skip
            token = TOKENS.get(a.account_id, f"token-{a.account_id}")
            await account_store.save_tokens(
                conn, a.account_id, access_token=cipher.seal(token),
                refresh_token=None, expires_at=datetime.now(UTC) + timedelta(days=50),
            )  # fmt: skip
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def running(
    settings: PublisherSettings,
    social: Social,
    before_start: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> AsyncIterator[Social]:
    """The social parts on the platform runtime (migrations, consumer, queue, outbox publisher);
    `before_start` writes what a previous process left behind."""
    keeper = TokenKeeper(settings)  # the accounts' tokens, as app.parts wires them
    social.tokens = lambda: keeper.tokens
    parts = ServiceParts(
        settings,
        migrations=migrations.load("social-publisher", "social_publisher"),
        consumers=social.consumers,
        on_startup=[keeper.start, social.start],
        background=[Task("social-queue", social.run)],
    )
    await prepare(settings, parts)
    if before_start is not None:
        conn = await asyncpg.connect(settings.database_url.get_secret_value())
        try:
            await before_start(conn)
        finally:
            await conn.close()
    async with started(parts):
        yield social


def request(
    channel: PublicChannel,
    text: str,
    *,
    post_id: str | None = None,
    scheduled_for: datetime | None = None,
    overflow: Overflow | None = None,
) -> PublishRequested:
    return PublishRequested(
        post_id=post_id or f"post-{uuid.uuid4().hex[:12]}",
        story_id=f"story-{uuid.uuid4().hex[:8]}",
        channel=channel,
        version=1,
        text=text,
        scheduled_for=scheduled_for,
        approved_by="M-PHQ-CELL-1",
        requested_at=datetime.now(UTC),
        overflow=overflow,
    )


async def produce(bootstrap: str, topic: str, items: Sequence[BaseModel]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for data in items:
            spec = spec_for_model(type(data))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(str(uuid.uuid4()), spec.type, "/nazar/story-intake",
                                    format_time(datetime.now(UTC))),
            )  # fmt: skip
        await producer.flush()
    finally:
        await producer.stop()


async def results(bootstrap: str, topic: str) -> list[tuple[str, BaseModel]]:
    """(event type, data) of every event on the results topic."""
    out: list[tuple[str, BaseModel]] = []
    for raw in await read_topic(bootstrap, topic):
        event = decode(raw.value, raw.headers)
        assert raw.value is not None
        out.append((event.type, parse_json(event.type, raw.value)))
    return out


async def eventually(check: Callable[[], object], within: float = 30.0) -> None:
    """Wait until `check()` (sync or async) is truthy."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.1)
