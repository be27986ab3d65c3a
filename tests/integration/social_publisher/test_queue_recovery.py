"""Withdrawals (X and Facebook through the API, Instagram by hand) and a process that died in
the middle of a call (an attempt found open at start): on real Kafka and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from nazar_contracts.publish import (
    PublishPosted,
    PublishWithdrawalConfirmed,
    PublishWithdrawalRequested,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
    WithdrawalMethod,
)
from nazar_contracts.stories import PublicChannel
from social_publisher.domain.posts import MediaRef
from social_publisher.domain.social import Network, RemotePost
from social_publisher.store import posts as post_store

from tests.conftest import TopicFactory
from tests.integration.social_publisher.queue_support import (
    ScriptedClient,
    ScriptedSocial,
    eventually,
    produce,
    request,
    results,
    running,
    settings_for,
)

HINDI = "अजमेर पुलिस की अपील: साइबर ठगी से बचें, OTP किसी को न बताएं 🔒 https://police.rajasthan.gov.in/c"


async def _of(bootstrap: str, topic: str, kind: type) -> list:  # type: ignore[type-arg]
    return [d for _, d in await results(bootstrap, topic) if isinstance(d, kind)]


@pytest.fixture
async def topics(new_topic: TopicFactory) -> tuple[str, str]:
    return await new_topic("publish-requests"), await new_topic("publish-results")


@pytest.mark.parametrize("channel", [PublicChannel.X, PublicChannel.FACEBOOK])
async def test_withdrawal_through_the_api(
    kafka_bootstrap: str, fresh_database: str, topics: tuple[str, str], channel: PublicChannel
) -> None:
    requests, out = topics
    clients = {n: ScriptedClient(n) for n in Network}
    settings = settings_for(fresh_database, kafka_bootstrap, requests, out)
    req = request(channel, HINDI)
    async with running(settings, ScriptedSocial(settings, clients)):
        await produce(kafka_bootstrap, requests, [req])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishPosted))
        [posted] = await _of(kafka_bootstrap, out, PublishPosted)
        await produce(kafka_bootstrap, requests, [_withdraw(req.post_id, req.story_id, channel)])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishWithdrawn))
    [withdrawn] = await _of(kafka_bootstrap, out, PublishWithdrawn)
    assert (withdrawn.post_id, withdrawn.method) == (req.post_id, WithdrawalMethod.API)
    assert clients[Network(channel)].deleted == [posted.provider_post_id]


async def test_instagram_withdrawal_is_a_task_a_person_confirms(
    kafka_bootstrap: str, fresh_database: str, topics: tuple[str, str]
) -> None:
    requests, out = topics
    clients = {n: ScriptedClient(n) for n in Network}
    clients[Network.INSTAGRAM].can_delete = False  # the Graph API cannot delete a media
    settings = settings_for(fresh_database, kafka_bootstrap, requests, out)
    req = request(PublicChannel.INSTAGRAM, HINDI)
    async with running(settings, ScriptedSocial(settings, clients)):
        await produce(kafka_bootstrap, requests, [req])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishPosted))
        withdraw = _withdraw(req.post_id, req.story_id, PublicChannel.INSTAGRAM)
        await produce(kafka_bootstrap, requests, [withdraw])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishWithdrawalTaskOpened))
        [task] = await _of(kafka_bootstrap, out, PublishWithdrawalTaskOpened)
        assert task.reason == withdraw.reason
        assert not await _of(kafka_bootstrap, out, PublishWithdrawn)
        confirmed = PublishWithdrawalConfirmed(
            post_id=req.post_id, story_id=req.story_id, channel=PublicChannel.INSTAGRAM,
            task_id=task.task_id, confirmed_by="M-PHQ-CELL-2", confirmed_at=datetime.now(UTC),
        )  # fmt: skip
        await produce(kafka_bootstrap, requests, [confirmed, confirmed])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishWithdrawn))
    [withdrawn] = await _of(kafka_bootstrap, out, PublishWithdrawn)
    assert (withdrawn.method, withdrawn.confirmed_by) == (WithdrawalMethod.BY_HAND, "M-PHQ-CELL-2")
    conn = await asyncpg.connect(fresh_database)
    try:
        row = await conn.fetchrow(
            "SELECT opened_by, confirmed_by, state FROM social_withdrawal_tasks WHERE post_id = $1",
            req.post_id,
        )
        with pytest.raises(asyncpg.RaiseError):  # the task is an audit record
            await conn.execute("DELETE FROM social_withdrawal_tasks")
    finally:
        await conn.close()
    assert row is not None
    assert dict(row) == {"opened_by": "M-PHQ-CELL-1", "confirmed_by": "M-PHQ-CELL-2",
                         "state": "closed"}  # fmt: skip


@pytest.mark.parametrize("posted_before_dying", [True, False])
async def test_an_attempt_open_at_start_is_reconciled_first(
    kafka_bootstrap: str, fresh_database: str, topics: tuple[str, str], posted_before_dying: bool
) -> None:
    """A previous process recorded the attempt, made the call and died: if the network posted
    it, it is recorded as posted without a second call; if not, it is posted once."""
    requests, out = topics
    clients = {n: ScriptedClient(n) for n in Network}
    x = clients[Network.X]
    started = datetime.now(UTC) - timedelta(seconds=5)
    if posted_before_dying:
        x.posts.append(RemotePost("x-before", HINDI, started + timedelta(seconds=1)))

    async def died_mid_call(conn: asyncpg.Connection) -> None:
        await post_store.insert(
            conn, post_id="post-died", story_id="story-died", network="x", account_id="x-state",
            text=HINDI, overflow="refuse", media=list[MediaRef](), scheduled_for=None,
            next_attempt_at=None, requested_at=started,
        )  # fmt: skip
        await post_store.begin_attempt(conn, "post-died", 1, started)

    settings = settings_for(fresh_database, kafka_bootstrap, requests, out)
    async with running(settings, ScriptedSocial(settings, clients), before_start=died_mid_call):
        await eventually(lambda: _of(kafka_bootstrap, out, PublishPosted))
    [posted] = await _of(kafka_bootstrap, out, PublishPosted)
    assert len(x.posts) == 1
    assert posted.provider_post_id == x.posts[0].provider_post_id
    assert x.calls == (0 if posted_before_dying else 1)
    conn = await asyncpg.connect(fresh_database)
    try:
        outcomes = [a.outcome for a in await post_store.attempts(conn, "post-died")]
    finally:
        await conn.close()
    assert outcomes == (["reconciled"] if posted_before_dying else ["not_found", "posted"])


def _withdraw(post_id: str, story_id: str, channel: PublicChannel) -> PublishWithdrawalRequested:
    return PublishWithdrawalRequested(
        post_id=post_id, story_id=story_id, channel=channel, requested_by="M-PHQ-CELL-1",
        reason="गलत तस्वीर लगी थी / wrong picture attached", requested_at=datetime.now(UTC),
    )  # fmt: skip
