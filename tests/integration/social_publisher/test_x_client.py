"""`XClient` against the fake X over 127.0.0.1: posts, threads, media, limits, errors, the
timeline that finds a post whose answer was lost, delete."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from nazar_contracts.publish import Overflow
from social_publisher.adapters.social import SocialCallError
from social_publisher.adapters.x import XClient
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    ErrorKind,
    Network,
    PostRequest,
)
from social_publisher.domain.x_text import XText, plan

from tests.integration.social_publisher.conftest import HANDLE, USER_ID, RunningFakeX, free_port
from tests.unit.social_publisher.stories import STORY

TEXT = "जोधपुर पुलिस ने गुमशुदा बच्ची को चार घंटे में परिवार से मिलाया। 🙏 #RajasthanPolice"


def _post(text: str = TEXT, **kw: object) -> PostRequest:
    return PostRequest(
        post_id="P-1",
        story_id="S-1",
        network=Network.X,
        account_id="x-state",
        text=text,
        **kw,  # type: ignore[arg-type]
    )


def _creative(size: int, media_type: str) -> Creative:
    content = bytes(i % 251 for i in range(size))
    return Creative(hashlib.sha256(content).hexdigest(), media_type, size, content)


async def _fail(client: XClient, access: AccountAccess, post: PostRequest) -> SocialCallError:
    with pytest.raises(SocialCallError) as caught:
        await client.publish(access, post)
    return caught.value


async def test_a_post_goes_out_with_its_public_url(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    published = await x_client.publish(access, _post())
    stored = fake_x.fake.posts[published.provider_post_id]
    assert stored["text"] == TEXT and stored["author_id"] == USER_ID
    assert published.public_url == f"https://x.com/{HANDLE}/status/{published.provider_post_id}"
    assert published.thread_post_ids == ()
    limits = await x_client.limits(access)
    assert limits.remaining == 99  # 100 per 15 minutes per user, one spent
    assert limits.resets_at is not None and limits.resets_at > datetime.now(UTC)
    async with fake_x.http.post(
        f"{fake_x.url}/2/tweets",
        json={"text": "दूसरी"},
        headers={"Authorization": f"Bearer {access.access_token}"},
    ) as resp:
        assert resp.status == 201
        assert resp.headers["x-user-limit-24hour-limit"] == "2400"
        assert resp.headers["x-user-limit-24hour-remaining"] == "2398"
        assert resp.headers["x-rate-limit-remaining"] == "98"


async def test_a_long_story_becomes_a_reply_chain(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    published = await x_client.publish(access, _post(STORY, overflow=Overflow.THREAD))
    ids = published.thread_post_ids
    assert len(ids) >= 2 and ids[0] == published.provider_post_id
    posts = [fake_x.fake.posts[i] for i in ids]
    assert posts[0]["in_reply_to_tweet_id"] is None
    for before, after in itertools.pairwise(posts):
        assert after["in_reply_to_tweet_id"] == before["id"]
    assert posts[-1]["text"].endswith(f"({len(ids)}/{len(ids)})")


async def test_a_text_too_long_is_refused_before_any_call(
    fake_x: RunningFakeX, x_client: XClient
) -> None:
    access = await fake_x.access()
    error = (await _fail(x_client, access, _post(STORY))).error
    assert error.kind is ErrorKind.REFUSED and error.code == "too_long"
    assert fake_x.fake.requests == {}


async def test_an_image_by_simple_upload(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    image = replace(_creative(300_000, "image/jpeg"), alt_text="थाने में जनसुनवाई करते अधिकारी")
    published = await x_client.publish(access, _post(creatives=(image,)))
    (media_id,) = fake_x.fake.posts[published.provider_post_id]["media_ids"]
    media = fake_x.fake.media[media_id]
    assert media.chunks[0] == image.content and not media.video
    assert media.alt_text == "थाने में जनसुनवाई करते अधिकारी"
    assert fake_x.fake.requests["media"] == 2  # one simple upload, one metadata


async def test_a_video_by_chunked_upload_waits_for_processing(
    fake_x: RunningFakeX, x_client: XClient
) -> None:
    access = await fake_x.access()
    video = _creative(2_500_000, "video/mp4")  # three segments of 1 MiB at most
    published = await x_client.publish(access, _post(creatives=(video,)))
    (media_id,) = fake_x.fake.posts[published.provider_post_id]["media_ids"]
    media = fake_x.fake.media[media_id]
    assert sorted(media.chunks) == [0, 1, 2]
    assert b"".join(media.chunks[i] for i in range(3)) == video.content
    assert media.video and media.polls_left == 0  # STATUS polled until succeeded


async def test_429_waits_until_the_reset(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    fake_x.fake.config["rate_limit_now"] = 2
    error = (await _fail(x_client, access, _post())).error
    assert error.kind is ErrorKind.RATE_LIMITED and error.code == "429"
    assert error.retry_at is not None
    assert timedelta(0) < error.retry_at - datetime.now(UTC) <= timedelta(seconds=3)
    calls = fake_x.fake.requests["post"]
    # Before the reset the client does not even ask: the headers said nothing is left.
    again = (await _fail(x_client, access, _post())).error
    assert again.kind is ErrorKind.RATE_LIMITED and fake_x.fake.requests["post"] == calls
    await asyncio.sleep((error.retry_at - datetime.now(UTC)).total_seconds() + 0.1)
    published = await x_client.publish(access, _post())
    assert published.provider_post_id in fake_x.fake.posts


async def test_duplicate_content_is_refused_and_marked(
    fake_x: RunningFakeX, x_client: XClient
) -> None:
    access = await fake_x.access()
    await x_client.publish(access, _post())
    error = (await _fail(x_client, access, _post())).error
    assert error.kind is ErrorKind.REFUSED and error.duplicate and error.code == "duplicate"
    assert len(fake_x.fake.posts) == 1


async def test_401_is_an_account_problem(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = replace(await fake_x.access(), access_token="not-a-token")
    error = (await _fail(x_client, access, _post())).error
    assert error.kind is ErrorKind.ACCOUNT and error.code == "401"
    assert "not-a-token" not in error.reason


@pytest.mark.parametrize(
    "rule",
    [{"mode": "500"}, {"mode": "drop"}, {"mode": "sleep", "sleep": 3}],
    ids=["500", "dropped", "past-the-timeout"],
)
async def test_fail_after_accept_is_unclear_and_the_timeline_finds_the_post(
    fake_x: RunningFakeX, x_client: XClient, rule: dict[str, object]
) -> None:
    access = await fake_x.access()
    before = datetime.now(UTC) - timedelta(seconds=5)
    fake_x.fake.config["fail_after_accept"] = rule
    error = (await _fail(x_client, access, _post())).error
    assert error.kind is ErrorKind.UNCLEAR
    (stored,) = fake_x.fake.posts.values()
    recent = await x_client.recent_posts(access, before)
    assert [(p.provider_post_id, p.text) for p in recent] == [(stored["id"], TEXT)]
    assert recent[0].public_url == f"https://x.com/{HANDLE}/status/{stored['id']}"


async def test_a_refused_connection_is_transient(fake_x: RunningFakeX) -> None:
    access = await fake_x.access()

    async with aiohttp.ClientSession() as session:
        client = XClient(session, f"http://127.0.0.1:{free_port()}")
        error = (await _fail(client, access, _post())).error
    assert error.kind is ErrorKind.TRANSIENT


async def test_a_thread_failing_midway_says_which_parts_are_out_and_resumes(
    fake_x: RunningFakeX, x_client: XClient
) -> None:
    access = await fake_x.access()
    post = _post(STORY, overflow=Overflow.THREAD)
    fake_x.fake.config["revoked"] = []
    # The first part goes out; the second is refused as a duplicate of a post already there.
    planned_second = None

    planned = plan(STORY, thread=True)
    assert isinstance(planned, XText)
    planned_second = planned.parts[1]
    fake_x.fake.posts["1"] = {
        "id": "1",
        "author_id": USER_ID,
        "text": planned_second,
        "media_ids": [],
        "in_reply_to_tweet_id": None,
        "at": 0.0,
    }
    error = (await _fail(x_client, access, post)).error
    assert error.duplicate and len(error.thread_post_ids) == 1
    first = error.thread_post_ids[0]
    assert fake_x.fake.posts[first]["text"] == planned.parts[0]
    # The old copy is deleted; the queue resumes with the part already out: it is not reposted.
    assert await x_client.delete(access, "1")
    resumed = await x_client.publish(access, replace(post, thread_post_ids=(first,)))
    assert resumed.thread_post_ids[0] == first
    assert len(resumed.thread_post_ids) == len(planned.parts)
    texts = [p["text"] for p in fake_x.fake.posts.values()]
    assert texts.count(planned.parts[0]) == 1


async def test_delete(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    published = await x_client.publish(access, _post())
    assert await x_client.delete(access, published.provider_post_id)
    assert published.provider_post_id not in fake_x.fake.posts
    assert await x_client.delete(access, published.provider_post_id)  # already gone


async def test_the_account_s_daily_cap(fake_x: RunningFakeX, x_client: XClient) -> None:
    access = await fake_x.access()
    fake_x.fake.config["daily_cap"] = 1
    await x_client.publish(access, _post())
    error = (await _fail(x_client, access, _post("दूसरी पोस्ट"))).error
    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_at is not None
    assert error.retry_at - datetime.now(UTC) > timedelta(hours=23)
