"""The publishing queue on real PostgreSQL and Kafka (the platform runtime, the idempotent
consumer, the outbox) with a scripted network client: one post per request whatever the
network answers, the result events on publish.results.v1, the account stopped once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from nazar_contracts.publish import (
    PublishAccountStopped,
    PublishFailed,
    PublishMedia,
    PublishPosted,
    PublishWithdrawalRequested,
    PublishWithdrawn,
)
from nazar_contracts.stories import PublicChannel
from social_publisher.domain.social import ErrorKind, Network
from social_publisher.store import accounts as account_store

from tests.conftest import TopicFactory
from tests.integration.social_publisher.queue_support import (
    ScriptedClient,
    ScriptedSocial,
    error,
    eventually,
    produce,
    request,
    results,
    running,
    settings_for,
)

HINDI = "जयपुर पुलिस ने 24 घंटे में खोया हुआ बच्चा परिवार से मिलाया 🙏 #RajasthanPolice"


@dataclass
class Queue:
    bootstrap: str
    dsn: str
    requests: str
    results: str
    clients: dict[Network, ScriptedClient]

    async def send(self, *items: object) -> None:
        await produce(self.bootstrap, self.requests, items)  # type: ignore[arg-type]

    async def events(self, kind: type) -> list:  # type: ignore[type-arg]
        return [d for _, d in await results(self.bootstrap, self.results) if isinstance(d, kind)]

    async def arrival(self) -> list[str]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return [
                r["post_id"]
                for r in await conn.fetch("SELECT post_id FROM social_posts ORDER BY seq")
            ]
        finally:
            await conn.close()

    async def state(self, post_id: str) -> str | None:
        conn = await asyncpg.connect(self.dsn)
        try:
            state: str | None = await conn.fetchval(
                "SELECT state FROM social_posts WHERE post_id = $1", post_id
            )
            return state
        finally:
            await conn.close()


@pytest.fixture
async def queue(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> AsyncIterator[Queue]:
    requests = await new_topic("publish-requests", partitions=2)
    out = await new_topic("publish-results", partitions=2)
    clients = {n: ScriptedClient(n) for n in Network}
    settings = settings_for(fresh_database, kafka_bootstrap, requests, out)
    async with running(settings, ScriptedSocial(settings, clients)):
        yield Queue(kafka_bootstrap, fresh_database, requests, out, clients)


async def test_request_is_posted_once_and_announced(queue: Queue) -> None:
    req = request(PublicChannel.X, HINDI)
    await queue.send(req, req)  # the same request twice: one post
    await eventually(lambda: queue.events(PublishPosted))
    [posted] = await queue.events(PublishPosted)
    x = queue.clients[Network.X]
    assert (posted.post_id, posted.account_id, posted.story_id) == (
        req.post_id, "x-state", req.story_id,
    )  # fmt: skip
    assert posted.provider_post_id == x.posts[0].provider_post_id
    assert x.posts[0].text == HINDI
    assert x.tokens_seen == ["token-x-state"]  # the sealed token, opened for the call
    await asyncio.sleep(1.0)
    assert x.calls == 1 and await queue.state(req.post_id) == "posted"


@pytest.mark.parametrize(
    ("channel", "code"), [(PublicChannel.X, "429"), (PublicChannel.INSTAGRAM, "80002")]
)
async def test_a_rate_limit_waits_until_its_reset(
    queue: Queue, channel: PublicChannel, code: str
) -> None:
    client = queue.clients[Network(channel)]
    reset = datetime.now(UTC) + timedelta(seconds=2)
    client.script = [error(Network(channel), ErrorKind.RATE_LIMITED, code, retry_at=reset)]
    req = request(channel, HINDI)
    await queue.send(req)
    await eventually(lambda: queue.events(PublishPosted))
    assert datetime.now(UTC) >= reset
    assert client.calls == 2 and len(client.posts) == 1
    assert not await queue.events(PublishFailed)


async def test_a_duplicate_is_refused_and_reported_not_retried(queue: Queue) -> None:
    x = queue.clients[Network.X]
    x.script = [error(Network.X, ErrorKind.REFUSED, "duplicate", duplicate=True)]
    req = request(PublicChannel.X, HINDI)
    await queue.send(req)
    await eventually(lambda: queue.events(PublishFailed))
    [failed] = await queue.events(PublishFailed)
    assert (failed.provider_code, failed.retryable, failed.account_id) == (
        "duplicate", False, "x-state",
    )  # fmt: skip
    assert "कारण" in failed.reason
    await asyncio.sleep(1.0)
    assert x.calls == 1 and await queue.state(req.post_id) == "failed"


async def test_transient_failures_back_off_then_post(queue: Queue) -> None:
    fb = queue.clients[Network.FACEBOOK]
    fb.script = [error(Network.FACEBOOK, ErrorKind.TRANSIENT, "2")] * 2
    await queue.send(request(PublicChannel.FACEBOOK, HINDI))
    await eventually(lambda: queue.events(PublishPosted))
    assert fb.calls == 3 and len(fb.posts) == 1


async def test_an_account_error_stops_the_account_once_and_its_posts_wait(queue: Queue) -> None:
    fb = queue.clients[Network.FACEBOOK]
    fb.script = [error(Network.FACEBOOK, ErrorKind.ACCOUNT, "190")]
    reqs = [request(PublicChannel.FACEBOOK, f"{HINDI} {i}") for i in range(3)]
    await queue.send(*reqs)
    await eventually(lambda: queue.events(PublishAccountStopped))
    await asyncio.sleep(1.5)
    [stopped] = await queue.events(PublishAccountStopped)
    assert (stopped.account_id, stopped.provider_code) == ("facebook-state", "190")
    assert fb.calls == 1 and not await queue.events(PublishPosted)
    assert [await queue.state(r.post_id) for r in reqs] == ["queued"] * 3

    conn = await asyncpg.connect(queue.dsn)
    try:
        assert await account_store.resume(conn, "facebook-state")
    finally:
        await conn.close()
    await eventually(lambda: _count(queue, PublishPosted, 3))
    posted = await queue.events(PublishPosted)
    # In arrival order: the order the queue admitted them (the request topic's partitions may
    # have delivered them in another order than they were sent; the results' interleave too).
    assert [p.post_id for p in sorted(posted, key=lambda p: p.at)] == await queue.arrival()
    assert fb.calls == 4 and len(await queue.events(PublishAccountStopped)) == 1


async def test_an_answer_lost_after_the_network_accepted_is_reconciled(queue: Queue) -> None:
    ig = queue.clients[Network.INSTAGRAM]
    ig.script = ["lost"]
    req = request(PublicChannel.INSTAGRAM, HINDI)
    await queue.send(req)
    await eventually(lambda: queue.events(PublishPosted))
    [posted] = await queue.events(PublishPosted)
    assert len(ig.posts) == 1 and ig.calls == 1
    assert posted.provider_post_id == ig.posts[0].provider_post_id


async def test_an_unclear_call_that_did_not_post_is_retried_after_settling(queue: Queue) -> None:
    x = queue.clients[Network.X]
    x.script = [error(Network.X, ErrorKind.UNCLEAR, "503")]  # nothing stored at the network
    await queue.send(request(PublicChannel.X, HINDI))
    await eventually(lambda: queue.events(PublishPosted))
    assert x.calls == 2 and len(x.posts) == 1


async def test_a_post_withdrawn_while_unclear_and_not_posted_never_goes(queue: Queue) -> None:
    x = queue.clients[Network.X]
    # Nothing reaches the network: unclear first, then (should the withdrawal come later than
    # the settling second) transient failures, so that the post is never out either way.
    x.script = [error(Network.X, ErrorKind.UNCLEAR, "503")]
    x.script += [error(Network.X, ErrorKind.TRANSIENT, "503")] * 10
    req = request(PublicChannel.X, HINDI)
    await queue.send(req)
    await eventually(lambda: _state_is(queue, req.post_id, "unclear"))
    await queue.send(
        PublishWithdrawalRequested(
            post_id=req.post_id, story_id=req.story_id, channel=PublicChannel.X,
            reason="गलत जिला / wrong district", requested_by="M-PHQ-CELL-1",
            requested_at=datetime.now(UTC),
        )
    )  # fmt: skip
    await eventually(lambda: queue.events(PublishWithdrawn))
    await asyncio.sleep(1.0)
    assert x.posts == [] and not await queue.events(PublishPosted)
    assert await queue.state(req.post_id) == "withdrawn"


async def test_a_post_whose_creatives_cannot_be_fetched_waits_without_blocking_others(
    queue: Queue,
) -> None:
    # No media store runs in this queue: the photo post cannot get its creative (TRANSIENT).
    photo = request(PublicChannel.FACEBOOK, HINDI).model_copy(
        update={
            "media": [
                PublishMedia(
                    sha256="a" * 64, size=1000, media_type="image/jpeg",
                    url="http://127.0.0.1:9/api/v1/media/x",
                    url_expires_at=datetime.now(UTC) + timedelta(hours=1),
                )
            ]
        }
    )  # fmt: skip
    text_only = request(PublicChannel.FACEBOOK, f"{HINDI} (बिना फोटो)")
    await queue.send(photo, text_only)
    await eventually(lambda: queue.events(PublishPosted))
    [posted] = await queue.events(PublishPosted)
    assert posted.post_id == text_only.post_id
    assert await queue.state(photo.post_id) == "queued"
    assert queue.clients[Network.FACEBOOK].calls == 1


async def _state_is(queue: Queue, post_id: str, state: str) -> bool:
    return await queue.state(post_id) == state


async def _count(queue: Queue, kind: type, n: int) -> bool:
    return len(await queue.events(kind)) >= n
