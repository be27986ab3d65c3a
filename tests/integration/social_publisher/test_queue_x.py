"""The queue with the real X client against the fake X, on real Kafka and PostgreSQL: a Hindi
story over 280 posted as a numbered thread once, a thread whose answer was lost midway resumed
after its last part out (never a part twice), the posting window's 429 waited out, a duplicate
refused, a withdrawal deleted through the API, an access token X stopped accepting renewed once
instead of stopping the account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from nazar_contracts.publish import (
    Overflow,
    PublishAccountStopped,
    PublishFailed,
    PublishPosted,
    PublishWithdrawalRequested,
    PublishWithdrawn,
)
from nazar_contracts.stories import PublicChannel
from social_publisher.adapters.tokens import TokenCipher
from social_publisher.domain.x_text import XText, plan
from social_publisher.store import accounts as account_store
from social_publisher.workers.social import Social

from tests.conftest import TopicFactory
from tests.integration.social_publisher.conftest import CLIENT_ID, CLIENT_SECRET, RunningFakeX
from tests.integration.social_publisher.queue_support import (
    KEY,
    eventually,
    produce,
    request,
    results,
    running,
    settings_for,
)
from tests.unit.social_publisher.stories import STORY

SHORT = "उदयपुर पुलिस: झील किनारे खोया बटुआ पर्यटक को लौटाया 👏 #RajasthanPolice"


@dataclass
class Account:
    x: RunningFakeX
    bootstrap: str
    requests: str
    results: str

    async def of(self, kind: type) -> list[Any]:
        return [d for _, d in await results(self.bootstrap, self.results) if isinstance(d, kind)]

    def texts(self) -> list[str]:
        return [p["text"] for p in self.x.fake.posts.values() if not p.get("deleted")]


@pytest.fixture
async def account(
    fake_x: RunningFakeX, kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> AsyncIterator[Account]:
    # The token queue_support seeds into x-state, known to the fake as the account's.
    fake_x.fake.auth.tokens.known("1500000000000000001", "token-x-state", None)
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    settings = settings_for(
        fresh_database, kafka_bootstrap, requests, out, x_api_base_url=fake_x.url
    )
    async with running(settings, Social(settings)):
        yield Account(fake_x, kafka_bootstrap, requests, out)


def _parts() -> tuple[str, ...]:
    planned = plan(STORY, thread=True)
    assert isinstance(planned, XText) and len(planned.parts) >= 2
    return tuple(planned.parts)


async def test_a_long_hindi_story_goes_out_once_as_a_numbered_thread(account: Account) -> None:
    req = request(PublicChannel.X, STORY, overflow=Overflow.THREAD)
    await produce(account.bootstrap, account.requests, [req, req])
    await eventually(lambda: account.of(PublishPosted))
    [posted] = await account.of(PublishPosted)
    assert account.texts() == list(_parts())
    assert len(posted.thread_post_ids) == len(_parts())
    assert posted.thread_post_ids[0] == posted.provider_post_id
    assert posted.public_url == f"https://x.com/PoliceRajasthan/status/{posted.provider_post_id}"


async def test_a_thread_whose_answer_was_lost_midway_is_resumed_not_repeated(
    account: Account,
) -> None:
    # The first part is stored and its answer fails: the queue must find it, and post the rest.
    account.x.fake.config["fail_after_accept"] = {"mode": "500", "times": 1}
    req = request(PublicChannel.X, STORY, overflow=Overflow.THREAD)
    await produce(account.bootstrap, account.requests, [req])
    await eventually(lambda: account.of(PublishPosted))
    [posted] = await account.of(PublishPosted)
    assert account.texts() == list(_parts())  # every part once, in order
    assert len(posted.thread_post_ids) == len(_parts())


async def test_a_spent_posting_window_is_waited_out(account: Account) -> None:
    account.x.fake.config["rate_limit_now"] = 2
    started = datetime.now(UTC)
    await produce(account.bootstrap, account.requests, [request(PublicChannel.X, SHORT)])
    await eventually(lambda: account.of(PublishPosted))
    assert (datetime.now(UTC) - started).total_seconds() >= 1.5
    assert account.texts() == [SHORT] and not await account.of(PublishFailed)


async def test_a_duplicate_is_refused_and_a_post_withdrawn(account: Account) -> None:
    first, again = request(PublicChannel.X, SHORT), request(PublicChannel.X, SHORT)
    await produce(account.bootstrap, account.requests, [first])
    await eventually(lambda: account.of(PublishPosted))
    await produce(account.bootstrap, account.requests, [again])
    await eventually(lambda: account.of(PublishFailed))
    [failed] = await account.of(PublishFailed)
    assert (failed.post_id, failed.provider_code, failed.retryable) == (
        again.post_id,
        "duplicate",
        False,
    )
    withdraw = PublishWithdrawalRequested(
        post_id=first.post_id,
        story_id=first.story_id,
        channel=PublicChannel.X,
        reason="पुरानी खबर / outdated",
        requested_by="M-PHQ-CELL-1",
        requested_at=datetime.now(UTC),
    )
    await produce(account.bootstrap, account.requests, [withdraw])
    await eventually(lambda: account.of(PublishWithdrawn))
    assert account.texts() == []


async def test_an_access_token_x_stopped_accepting_is_renewed_not_the_account_stopped(
    fake_x: RunningFakeX, kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    # The stored access token is months from expiry by our clock, but X no longer accepts it
    # (revoked early): the post's 401 fetches a new pair once and the post goes out with it.
    user = "1500000000000000001"
    fake_x.fake.auth.tokens.known(user, "token-x-state", "refresh-x-state")
    del fake_x.fake.auth.tokens.access["token-x-state"]
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    settings = settings_for(
        fresh_database,
        kafka_bootstrap,
        requests,
        out,
        x_api_base_url=fake_x.url,
        x_client_id=CLIENT_ID,
        x_client_secret=CLIENT_SECRET,
    )

    async def with_refresh_token(conn: asyncpg.Connection) -> None:
        cipher = TokenCipher(KEY)
        await account_store.save_tokens(
            conn,
            "x-state",
            access_token=cipher.seal("token-x-state"),
            refresh_token=cipher.seal("refresh-x-state"),
            expires_at=datetime.now(UTC) + timedelta(days=50),
        )

    async with running(settings, Social(settings), before_start=with_refresh_token):
        account = Account(fake_x, kafka_bootstrap, requests, out)
        await produce(kafka_bootstrap, requests, [request(PublicChannel.X, SHORT)])
        await eventually(lambda: account.of(PublishPosted))
        assert account.texts() == [SHORT]
        assert not await account.of(PublishAccountStopped)
        assert fake_x.fake.auth.tokens.calls.get("refresh_token") == 1
