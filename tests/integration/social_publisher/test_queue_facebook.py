"""The queue with the real Facebook Pages client against the fake Graph API, on real Kafka and
PostgreSQL: posted once, the duplicate refused (506), the token refused (190) stopping the Page
once until it is resumed, an answer lost after the post was stored (reconciled: one post), a
withdrawal deleted through the API."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web
from nazar_contracts.publish import (
    PublishAccountResumed,
    PublishAccountStopped,
    PublishFailed,
    PublishPosted,
    PublishWithdrawalRequested,
    PublishWithdrawn,
    WithdrawalMethod,
)
from nazar_contracts.stories import PublicChannel
from nazar_fakes.facebook import DEFAULTS, FakeFacebook
from nazar_fakes.server import facebook_app
from social_publisher.workers.social import Social

from tests.conftest import TopicFactory
from tests.integration.social_publisher.queue_support import (
    KEY,
    eventually,
    produce,
    request,
    results,
    running,
    settings_for,
)

PAGE = "200"  # facebook-state's page id in queue_support.ACCOUNTS
HINDI = "कोटा पुलिस ने ऑपरेशन 'सुरक्षा' में 40 वाहन चालकों को यातायात नियमों की जानकारी दी 🚦"


@dataclass
class Page:
    fake: FakeFacebook
    bootstrap: str
    dsn: str
    requests: str
    results: str

    async def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [d for _, d in await results(self.bootstrap, self.results) if isinstance(d, kind)]

    def live_posts(self) -> list[dict[str, object]]:
        return [p for p in self.fake.posts.values() if not p.get("deleted")]


@pytest.fixture
async def page(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> AsyncIterator[Page]:
    fake = FakeFacebook(token="token-facebook-state", page_ids=[PAGE])
    fake.config.update(DEFAULTS)
    runner = web.AppRunner(facebook_app(fake))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    settings = settings_for(fresh_database, kafka_bootstrap, requests, out, facebook_base_url=url)
    try:
        async with running(settings, Social(settings)):
            yield Page(fake, kafka_bootstrap, fresh_database, requests, out)
    finally:
        await runner.cleanup()


async def test_posted_once_then_withdrawn_through_the_api(page: Page) -> None:
    req = request(PublicChannel.FACEBOOK, HINDI)
    await produce(page.bootstrap, page.requests, [req, req])
    await eventually(lambda: page.of(PublishPosted))
    [posted] = await page.of(PublishPosted)
    [stored] = page.live_posts()
    assert stored["message"] == HINDI
    assert posted.provider_post_id == stored["id"]
    assert posted.public_url and posted.public_url.startswith("https://www.facebook.com/")

    withdraw = PublishWithdrawalRequested(
        post_id=req.post_id, story_id=req.story_id, channel=PublicChannel.FACEBOOK,
        reason="तथ्य गलत / wrong facts", requested_by="M-PHQ-CELL-1",
        requested_at=datetime.now(UTC),
    )  # fmt: skip
    await produce(page.bootstrap, page.requests, [withdraw])
    await eventually(lambda: page.of(PublishWithdrawn))
    [withdrawn] = await page.of(PublishWithdrawn)
    assert withdrawn.method is WithdrawalMethod.API
    assert page.live_posts() == []


async def test_the_same_text_again_is_refused_as_a_duplicate(page: Page) -> None:
    first, second = request(PublicChannel.FACEBOOK, HINDI), request(PublicChannel.FACEBOOK, HINDI)
    await produce(page.bootstrap, page.requests, [first, second])
    await eventually(lambda: page.of(PublishFailed))
    [failed] = await page.of(PublishFailed)
    assert (failed.post_id, failed.provider_code, failed.retryable) == (
        second.post_id, "506", False,
    )  # fmt: skip
    assert len(page.live_posts()) == 1


async def test_an_invalid_token_stops_the_page_once_and_its_posts_wait(page: Page) -> None:
    page.fake.config["token_invalid"] = True
    reqs = [request(PublicChannel.FACEBOOK, f"{HINDI} ({i})") for i in range(2)]
    await produce(page.bootstrap, page.requests, reqs)
    await eventually(lambda: page.of(PublishAccountStopped))
    [stopped] = await page.of(PublishAccountStopped)
    assert (stopped.account_id, stopped.provider_code) == ("facebook-state", "190")
    assert page.live_posts() == [] and not await page.of(PublishPosted)

    # A person makes a new Page token and hands it to the publisher's command.
    page.fake.config["token_invalid"] = False
    done = subprocess.run(
        [sys.executable, "-m", "social_publisher", "account-token", "facebook-state"],
        input="token-facebook-state\n", capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "NAZAR_DATABASE_URL": page.dsn, "NAZAR_ENVIRONMENT": "test",
             "NAZAR_SOCIAL_TOKEN_KEY": KEY, "NAZAR_TOPIC_PUBLISH_RESULTS": page.results},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "resumes" in done.stdout and "token-facebook-state" not in done.stdout + done.stderr
    await eventually(lambda: page.of(PublishAccountResumed))
    await eventually(lambda: _n(page, PublishPosted, 2))
    posted = sorted(await page.of(PublishPosted), key=lambda p: p.at)
    assert {p.post_id for p in posted} == {r.post_id for r in reqs}
    assert len(await page.of(PublishAccountStopped)) == 1 and len(page.live_posts()) == 2


async def test_an_answer_lost_after_the_post_was_stored_is_reconciled(page: Page) -> None:
    page.fake.config.update(after_accept="500", after_accept_times=1)
    req = request(PublicChannel.FACEBOOK, HINDI)
    await produce(page.bootstrap, page.requests, [req])
    await eventually(lambda: page.of(PublishPosted))
    [posted] = await page.of(PublishPosted)
    [stored] = page.live_posts()
    assert posted.provider_post_id == stored["id"]
    assert not await page.of(PublishFailed)


async def _n(page: Page, kind: type, n: int) -> bool:
    return len(await page.of(kind)) >= n
