"""The queue with the real Instagram client against the fake Instagram and the media store, on
real Kafka and PostgreSQL: the creative fetched from story-intake's signed URL, checked, kept and
served at the publisher's own URL, which the fake really fetches; an answer lost after the
publish reconciled to one post; a withdrawal becomes a by-hand task closed by the person's
confirmation; a used-up rolling quota waited out until its oldest post leaves the window."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from nazar_contracts.publish import (
    PublishFailed,
    PublishPosted,
    PublishRequested,
    PublishWithdrawalConfirmed,
    PublishWithdrawalRequested,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
    WithdrawalMethod,
)
from nazar_contracts.stories import PublicChannel
from social_publisher.workers.social import Social

from tests.conftest import TopicFactory
from tests.integration.social_publisher.queue_support import (
    eventually,
    produce,
    request,
    results,
    running,
    settings_for,
)
from tests.integration.social_publisher.support import World
from tests.unit.social_publisher.images import jpeg

CAPTION = "अलवर पुलिस: नशा मुक्ति अभियान में 300 विद्यार्थियों ने शपथ ली 🙌 #RajasthanPolice"


async def _of(bootstrap: str, topic: str, kind: type) -> list[Any]:
    return [d for _, d in await results(bootstrap, topic) if isinstance(d, kind)]


def _with_photo(w: World) -> PublishRequested:
    req = request(PublicChannel.INSTAGRAM, CAPTION)
    media = w.story.media(jpeg(1080, 1350), datetime.now(UTC), alt="शपथ लेते विद्यार्थी")
    return req.model_copy(update={"media": [media]})


@pytest.mark.parametrize("w", [{"publish_fail": "500"}, {}], indirect=True, ids=["lost", "ok"])
async def test_a_photo_post_goes_out_once_then_is_withdrawn_by_hand(
    w: World, kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    settings = settings_for(
        fresh_database, kafka_bootstrap, requests, out, instagram_base_url=w.fake_url,
        instagram_poll_initial="PT0.05S", instagram_poll_max="PT0.2S",
    )  # fmt: skip
    social = Social(settings)
    social.media_store = lambda: w.store  # the store whose URLs the test's app serves
    req = _with_photo(w)
    async with running(settings, social):
        await produce(kafka_bootstrap, requests, [req])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishPosted))
        [posted] = await _of(kafka_bootstrap, out, PublishPosted)
        [published] = w.fake_calls("published")
        assert posted.provider_post_id == published["id"]
        [fetched] = w.fake_calls("image_fetched")
        assert fetched["status"] == 200
        assert fetched["url_path"].startswith(f"{w.publisher_url}/media/")
        assert w.story.fetches == 1 and not await _of(kafka_bootstrap, out, PublishFailed)

        withdraw = PublishWithdrawalRequested(
            post_id=req.post_id, story_id=req.story_id, channel=PublicChannel.INSTAGRAM,
            reason="फोटो में बच्चे का चेहरा / a child's face in the photo",
            requested_by="M-PHQ-CELL-1", requested_at=datetime.now(UTC),
        )  # fmt: skip
        await produce(kafka_bootstrap, requests, [withdraw])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishWithdrawalTaskOpened))
        [task] = await _of(kafka_bootstrap, out, PublishWithdrawalTaskOpened)
        assert task.public_url == posted.public_url
        confirmed = PublishWithdrawalConfirmed(
            post_id=req.post_id, story_id=req.story_id, channel=PublicChannel.INSTAGRAM,
            task_id=task.task_id, confirmed_by="M-PHQ-CELL-3", confirmed_at=datetime.now(UTC),
        )  # fmt: skip
        await produce(kafka_bootstrap, requests, [confirmed])
        await eventually(lambda: _of(kafka_bootstrap, out, PublishWithdrawn))
    [withdrawn] = await _of(kafka_bootstrap, out, PublishWithdrawn)
    assert (withdrawn.method, withdrawn.confirmed_by) == (WithdrawalMethod.BY_HAND, "M-PHQ-CELL-3")
    assert len(w.fake_calls("published")) == 1


@pytest.mark.parametrize("w", [{"quota_total": 2, "quota_duration": 4}], indirect=True)
async def test_a_used_up_quota_waits_until_its_oldest_post_leaves_the_window(
    w: World, kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    # Two posts per 4 s: the third goes out about 4 s after the first (when it leaves the
    # window, by our own record of it), not after the hour the client waits when it cannot tell.
    requests, out = await new_topic("publish-requests"), await new_topic("publish-results")
    settings = settings_for(
        fresh_database, kafka_bootstrap, requests, out, instagram_base_url=w.fake_url,
        instagram_poll_initial="PT0.05S", instagram_poll_max="PT0.2S",
    )  # fmt: skip
    social = Social(settings)
    social.media_store = lambda: w.store
    reqs = []
    for n in range(3):
        req = _with_photo(w)
        reqs.append(req.model_copy(update={"text": f"{CAPTION} ({n + 1})"}))
    started = time.monotonic()
    async with running(settings, social):
        await produce(kafka_bootstrap, requests, reqs)

        async def all_posted() -> bool:
            return len(await _of(kafka_bootstrap, out, PublishPosted)) == len(reqs)

        await eventually(all_posted)
    took = time.monotonic() - started
    assert len(w.fake_calls("published")) == 3
    assert 3.5 < took < 30, took
    assert not await _of(kafka_bootstrap, out, PublishFailed)
