"""`InstagramClient` against the fake Instagram (which really fetches each image from the
publisher's signed URL): single image, carousel, polling, ERROR, EXPIRED, an unclear publish
found PUBLISHED, the rolling quota and 80002, and refusals before any call."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from social_publisher.adapters.instagram import InstagramClient
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.instagram import InstagramRules
from social_publisher.domain.social import AccountAccess, ErrorKind, Network, PostRequest, Published

from tests.hindi import HEADLINE, LEAD
from tests.integration.social_publisher.support import IG_TOKEN, IG_USER, World
from tests.unit.social_publisher.images import jpeg, png

CAPTION = f"{HEADLINE}\n\n{LEAD}\n#राजस्थान_पुलिस #जयपुर"
ACCESS = AccountAccess("instagram-state", Network.INSTAGRAM, IG_USER, "rajasthan_police", IG_TOKEN)
_posts = iter(range(1, 10_000))


def client(w: World, session: aiohttp.ClientSession | None = None) -> InstagramClient:
    return InstagramClient(
        session or w.session, w.fake_url, "v23.0", rules=InstagramRules(hashtag_limit=5),
        poll_initial=0.02, poll_max=0.1, poll_timeout=3.0,
    )  # fmt: skip


async def post(w: World, *images: bytes, text: str = CAPTION, **extra: Any) -> PostRequest:
    n = next(_posts)
    now = datetime.now(UTC)
    media = [w.story.media(i, now) for i in (images or (jpeg(),))]
    creatives = await w.store.creatives_for(f"post-{n}", Network.INSTAGRAM, media, now)
    return PostRequest(f"post-{n}", f"story-{n}", Network.INSTAGRAM, "instagram-state", text,
                       creatives, **extra)  # fmt: skip


async def fails(w: World, p: PostRequest, c: InstagramClient | None = None) -> SocialCallError:
    with pytest.raises(SocialCallError) as caught:
        await (c or client(w)).publish(ACCESS, p)
    return caught.value


def posts(w: World) -> list[dict[str, Any]]:
    return w.fake_calls("published")


async def test_a_single_image_goes_through_container_polls_and_publish(w: World) -> None:
    p = await post(w, jpeg(1080, 1350))
    published = await client(w).publish(ACCESS, p)
    assert published.provider_post_id == posts(w)[0]["id"]
    assert published.public_url and published.public_url.startswith("https://www.instagram.com/p/")
    [fetched] = w.fake_calls("image_fetched")
    assert fetched["status"] == 200 and fetched["url_path"].startswith(f"{w.publisher_url}/media/")
    statuses = [e["status_code"] for e in w.fake_calls("status")]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    [remote] = await client(w).recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=5))
    assert (remote.provider_post_id, remote.text, remote.public_url) == (
        published.provider_post_id, CAPTION, published.public_url,
    )  # fmt: skip
    limits = await client(w).limits(ACCESS)
    assert (limits.quota_total, limits.remaining) == (50, 49)
    assert limits.quota_window == timedelta(hours=24)
    assert await client(w).delete(ACCESS, published.provider_post_id) is False


async def test_a_carousel_of_three(w: World) -> None:
    p = await post(
        w, jpeg(color=(1, 1, 1)), jpeg(1080, 1080, (2, 2, 2)), jpeg(1080, 566, (3, 3, 3))
    )
    published = await client(w).publish(ACCESS, p)
    created = w.fake_calls("container_created")
    assert [bool(e.get("carousel_item")) for e in created] == [True, True, True, False]
    assert created[-1]["children"] == [e["id"] for e in created[:3]]
    assert len(w.fake_calls("image_fetched")) == 3
    [only] = posts(w)
    assert only["id"] == published.provider_post_id and only["caption"] == CAPTION


@pytest.mark.parametrize("w", [{"container_error": True}], indirect=True)
async def test_a_container_in_error_is_refused_without_publishing(w: World) -> None:
    error = (await fails(w, await post(w))).error
    assert (error.kind, error.code) == (ErrorKind.REFUSED, "ERROR")
    assert "2207052" in error.reason and not w.fake_calls("media_publish")


@pytest.mark.parametrize("w", [{"expire_after": 0.0}], indirect=True)
async def test_an_expired_container_is_transient(w: World) -> None:
    error = (await fails(w, await post(w))).error
    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "EXPIRED")
    assert not w.fake_calls("media_publish")


@pytest.mark.parametrize("w", [{"publish_fail": "500"}], indirect=True)
async def test_an_unclear_publish_is_found_published_and_never_posted_twice(w: World) -> None:
    p = await post(w)
    error = (await fails(w, p)).error
    assert error.kind is ErrorKind.UNCLEAR and error.container_id
    assert len(posts(w)) == 1  # it did go out
    w.fake.config["publish_fail"] = None
    # The queue hands the recorded container back: PUBLISHED, so found, not published again.
    again = await client(w).publish(ACCESS, replace(p, container_id=error.container_id))
    assert again == Published(posts(w)[0]["id"], again.public_url)
    assert len(posts(w)) == 1 and len(w.fake_calls("media_publish")) == 1


@pytest.mark.parametrize("w", [{"publish_fail": "drop"}], indirect=True)
async def test_a_dropped_connection_after_publishing_is_unclear(w: World) -> None:
    error = (await fails(w, await post(w))).error
    assert (error.kind, error.code) == (ErrorKind.UNCLEAR, "no_answer") and error.container_id
    assert len(posts(w)) == 1


@pytest.mark.parametrize("w", [{"publish_fail": "sleep", "publish_sleep": 3.0}], indirect=True)
async def test_no_answer_within_the_timeout_is_unclear(w: World) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as short:
        error = (await fails(w, await post(w), client(w, short))).error
    assert (error.kind, error.code) == (ErrorKind.UNCLEAR, "no_answer") and error.container_id


async def test_a_finished_container_of_an_unclear_attempt_is_published_not_made_again(
    w: World,
) -> None:
    p = await post(w)
    c = client(w)
    container = await c._create(ACCESS, p)
    assert await c._wait(ACCESS, container) == "FINISHED"
    published = await c.publish(ACCESS, replace(p, container_id=container))
    assert len(w.fake_calls("container_created")) == 1
    assert [e["id"] for e in posts(w)] == [published.provider_post_id]


@pytest.mark.parametrize("w", [{"quota_total": 1}], indirect=True)
async def test_the_rolling_quota_is_respected(w: World) -> None:
    await client(w).publish(ACCESS, await post(w))
    created = len(w.fake_calls("container_created"))
    error = (await fails(w, await post(w))).error
    assert (error.kind, error.code) == (ErrorKind.RATE_LIMITED, "quota") and error.retry_at
    assert "24 hours" in error.reason
    assert len(w.fake_calls("container_created")) == created  # nothing made over the quota


@pytest.mark.parametrize("w", [{"buc_limited": True}], indirect=True)
async def test_80002_is_rate_limited(w: World) -> None:
    error = (await fails(w, await post(w))).error
    assert (error.kind, error.code) == (ErrorKind.RATE_LIMITED, "80002") and error.retry_at


async def test_over_the_quota_the_fake_answers_as_meta_does(w: World) -> None:
    """The fake's own contract at media_publish (the client never gets there over the quota)."""
    c = client(w)
    first, second = [await c._create(ACCESS, await post(w)) for _ in range(2)]
    for container in (first, second):
        await c._wait(ACCESS, container)
    w.fake.config["quota_total"] = 1
    await c._publish(ACCESS, await post(w), first)
    for quota_code, expected in (("2207042", "9/2207042"), ("80002", "80002")):
        w.fake.config["quota_code"] = quota_code
        with pytest.raises(SocialCallError) as caught:
            await c._publish(ACCESS, await post(w), second)
        assert (caught.value.error.kind, caught.value.error.code) == (
            ErrorKind.RATE_LIMITED,
            expected,
        )


async def test_bad_token_and_policy_block_stop_the_account(w: World) -> None:
    wrong = AccountAccess("instagram-state", Network.INSTAGRAM, IG_USER, "x", "wrong-token")
    with pytest.raises(SocialCallError) as caught:
        await client(w).publish(wrong, await post(w))
    assert (caught.value.error.kind, caught.value.error.code) == (ErrorKind.ACCOUNT, "190")
    w.fake.config["blocked"] = True
    error = (await fails(w, await post(w))).error
    assert error.kind is ErrorKind.ACCOUNT and (error.code or "").startswith("368")


async def test_refusals_come_before_any_call(w: World) -> None:
    tags = " ".join(f"#टैग{i}" for i in range(6))
    cases = [
        (await post(w, text=(LEAD + " ") * 20), "caption_too_long"),
        (await post(w, text=f"{HEADLINE} {tags}"), "too_many_hashtags"),
        (await post(w, png()), "jpeg_only"),
        (await post(w, jpeg(1080, 1920)), "aspect_ratio"),
    ]
    for p, code in cases:
        error = (await fails(w, p)).error
        assert (error.kind, error.code) == (ErrorKind.REFUSED, code)
    assert w.fake_calls() == []  # the fake saw no call at all


async def test_the_fake_really_fetches_and_refuses_a_png(w: World) -> None:
    now = datetime.now(UTC)
    [creative] = await w.store.creatives_for(
        "post-png", Network.INSTAGRAM, [w.story.media(png(), now)], now
    )
    async with w.session.post(
        f"{w.fake_url}/v23.0/{IG_USER}/media",
        json={"image_url": creative.public_url, "caption": "x"},
        headers={"Authorization": f"Bearer {IG_TOKEN}"},
    ) as r:
        body = await r.json()
    assert r.status == 400 and body["error"]["code"] == 9004
    assert body["error"]["error_subcode"] == 2207052
    assert w.fake_calls("image_fetched")[0]["status"] == 200  # fetched, then refused: not a JPEG


async def test_the_fake_starts_from_its_command_line() -> None:
    """`python -m nazar_fakes instagram` as the local stack starts it (deploy/stackctl)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nazar_fakes", "instagram", "--port", str(port), "--token", "t",
         "--ig-user-ids", "1,2", "--config", '{"polls_to_finish": 0}'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/_fake/config") as r:
                        config = await r.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            assert (config["polls_to_finish"], config["quota_total"]) == (0, 50)
            url = f"http://127.0.0.1:{port}/v23.0/2/content_publishing_limit?fields=config,quota_usage"
            async with session.get(url, headers={"Authorization": "Bearer t"}) as r:
                assert (await r.json())["data"][0]["config"]["quota_total"] == 50
    finally:
        proc.terminate()
        proc.wait(timeout=30)
