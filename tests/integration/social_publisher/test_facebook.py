"""The Facebook Pages client against the fake Graph API on 127.0.0.1: every path, error, limit."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from nazar_fakes.facebook import DEFAULTS, FakeFacebook
from nazar_fakes.server import facebook_app
from social_publisher.adapters.facebook import FacebookClient
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.social import (
    AccountAccess,
    Creative,
    ErrorKind,
    Network,
    PostRequest,
    SocialError,
)

from tests.hindi import HEADLINE

PAGE, TOKEN, VERSION = "100000000000101", "test-page-token", "v23.0"
ACCESS = AccountAccess("facebook-state", Network.FACEBOOK, PAGE, "RajasthanPolice", TOKEN)
LINK = "https://police.rajasthan.gov.in/news/2026/12/gang-bust"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Graph:
    fake: FakeFacebook
    url: str
    session: aiohttp.ClientSession

    def client(self, timeout: float = 5.0, **kw: Any) -> FacebookClient:
        return FacebookClient(
            self.session,
            base_url=self.url,
            version=VERSION,
            timeout=timedelta(seconds=timeout),
            **kw,
        )

    def configure(self, **changes: Any) -> None:
        self.fake.config.update(changes)


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[tuple[FakeFacebook, str]]:
    fake = FakeFacebook(token=TOKEN, page_ids=[PAGE, "100000000000102"])
    runner = web.AppRunner(facebook_app(fake))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def graph(served: tuple[FakeFacebook, str]) -> AsyncIterator[Graph]:
    fake, url = served
    fake.reset()
    fake.log.reset()
    fake.config.clear()
    fake.config.update(DEFAULTS)
    async with aiohttp.ClientSession() as session:
        yield Graph(fake, url, session)


def story(text: str = "", *, creatives: tuple[Creative, ...] = (), **kw: Any) -> PostRequest:
    # Each post's text is its own: the fake refuses a repeated message (506) as Meta does.
    body = text or f"{HEADLINE} 🚔🙏 पूरी ख़बर: {LINK} #{uuid.uuid4().hex[:6]}"
    return PostRequest(
        post_id=str(uuid.uuid4()),
        story_id=str(uuid.uuid4()),
        network=Network.FACEBOOK,
        account_id=ACCESS.account_id,
        text=body,
        creatives=creatives,
        **kw,
    )


def photo(content: bytes = JPEG, media_type: str = "image/jpeg") -> Creative:
    return Creative(
        sha256=uuid.uuid4().hex * 2, media_type=media_type, size=len(content), content=content
    )


async def refused(client: FacebookClient, post: PostRequest) -> SocialError:
    with pytest.raises(SocialCallError) as caught:
        await client.publish(ACCESS, post)
    return caught.value.error


async def test_text_with_a_link_is_a_feed_post_with_its_permalink(graph: Graph) -> None:
    post = story()
    published = await graph.client().publish(ACCESS, post)
    stored = graph.fake.posts[published.provider_post_id]
    assert stored["message"] == post.text  # Hindi and emoji arrive unchanged
    assert stored["link"] == LINK
    assert stored["media"] == []
    assert published.provider_post_id.startswith(f"{PAGE}_")
    assert published.public_url == stored["permalink_url"]
    assert not published.scheduled
    recent = await graph.client().recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=1))
    assert [(p.provider_post_id, p.text) for p in recent] == [
        (published.provider_post_id, post.text)
    ]
    assert recent[0].public_url == stored["permalink_url"]


async def test_one_photo_is_uploaded_as_source_with_the_text_as_caption(graph: Graph) -> None:
    post = story(creatives=(photo(),))
    published = await graph.client().publish(ACCESS, post)
    stored = graph.fake.posts[published.provider_post_id]
    assert stored["message"] == post.text
    [photo_id] = stored["media"]
    assert graph.fake.photos[photo_id]["published"] is True
    assert published.public_url == stored["permalink_url"]


async def test_three_photos_are_uploaded_unpublished_then_attached_to_one_post(
    graph: Graph,
) -> None:
    post = story(creatives=(photo(), photo(PNG, "image/png"), photo()))
    published = await graph.client().publish(ACCESS, post)
    stored = graph.fake.posts[published.provider_post_id]
    assert len(stored["media"]) == 3
    for photo_id in stored["media"]:
        assert graph.fake.photos[photo_id]["published"] is False  # never a post of its own
        assert graph.fake.photos[photo_id]["attached_to"] == published.provider_post_id
    assert [p["id"] for p in graph.fake.posts.values()] == [published.provider_post_id]
    async with graph.session.get(f"{graph.url}/_fake/messages") as resp:
        log = await resp.json()
    assert [m["id"] for m in log["messages"]] == [published.provider_post_id]


async def test_a_post_scheduled_ten_minutes_ahead_waits_in_scheduled_posts(graph: Graph) -> None:
    at = datetime.now(UTC) + timedelta(minutes=10, seconds=1)
    post = story(scheduled_for=at)
    published = await graph.client().publish(ACCESS, post)
    assert published.scheduled
    stored = graph.fake.posts[published.provider_post_id]
    assert stored["scheduled_publish_time"] == int(at.timestamp())
    assert stored["published"] is False
    recent = await graph.client().recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=1))
    assert [p.provider_post_id for p in recent] == [published.provider_post_id]
    query = f"fields=id,message&access_token={TOKEN}"
    async with graph.session.get(f"{graph.url}/{VERSION}/{PAGE}/published_posts?{query}") as resp:
        assert (await resp.json())["data"] == []


async def test_a_scheduled_photo_post_is_accepted(graph: Graph) -> None:
    post = story(creatives=(photo(),), scheduled_for=datetime.now(UTC) + timedelta(days=2))
    published = await graph.client().publish(ACCESS, post)
    assert published.scheduled
    assert graph.fake.posts[published.provider_post_id]["published"] is False


@pytest.mark.parametrize(
    ("ahead", "code"),
    [(timedelta(minutes=5), "schedule_too_soon"), (timedelta(days=31), "schedule_too_far")],
)
async def test_a_schedule_outside_the_window_is_refused_before_any_call(
    graph: Graph, ahead: timedelta, code: str
) -> None:
    error = await refused(graph.client(), story(scheduled_for=datetime.now(UTC) + ahead))
    assert (error.kind, error.code) == (ErrorKind.REFUSED, code)
    assert graph.fake.log.attempts_at == []  # Facebook never heard of it


@pytest.mark.parametrize(
    ("config", "kind", "code", "words"),
    [
        ({"token_invalid": True}, ErrorKind.ACCOUNT, "190", "it expired"),
        ({"policy_block": True}, ErrorKind.ACCOUNT, "368", "temporarily blocked"),
        (
            {"missing_permission": "pages_manage_posts"},
            ErrorKind.ACCOUNT,
            "200",
            "pages_manage_posts",
        ),
        ({"schedule_grace_seconds": -120}, ErrorKind.REFUSED, "100", "will not be retried"),
        ({"outage": True}, ErrorKind.UNCLEAR, "2", "checked before any retry"),
    ],
)
async def test_each_graph_error_becomes_its_kind_and_words(
    graph: Graph, config: dict[str, Any], kind: ErrorKind, code: str, words: str
) -> None:
    graph.configure(**config)
    # Scheduled 10 minutes ahead, so that the fake's stricter window (-120 s) answers 100.
    at = datetime.now(UTC) + timedelta(minutes=10, seconds=5)
    error = await refused(graph.client(), story(scheduled_for=at))
    assert (error.kind, error.code, error.network) == (kind, code, Network.FACEBOOK)
    assert words in error.reason
    assert graph.fake.posts == {}


async def test_a_wrong_token_is_190_and_stops_the_account(graph: Graph) -> None:
    wrong = AccountAccess(ACCESS.account_id, Network.FACEBOOK, PAGE, "RajasthanPolice", "stale")
    with pytest.raises(SocialCallError) as caught:
        await graph.client().publish(wrong, story())
    assert (caught.value.error.kind, caught.value.error.code) == (ErrorKind.ACCOUNT, "190")
    assert "reconnect the Page" in caught.value.error.reason


async def test_the_same_message_twice_is_a_refused_duplicate(graph: Graph) -> None:
    post = story()
    await graph.client().publish(ACCESS, post)
    error = await refused(graph.client(), story(post.text))
    assert (error.kind, error.code, error.duplicate) == (ErrorKind.REFUSED, "506", True)
    # Another Page may carry the same words.
    other = AccountAccess("facebook-jaipur", Network.FACEBOOK, "100000000000102", "jp", TOKEN)
    assert (await graph.client().publish(other, story(post.text))).provider_post_id


async def test_outage_on_a_read_is_transient(graph: Graph) -> None:
    graph.configure(outage=True)
    with pytest.raises(SocialCallError) as caught:
        await graph.client().recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=5))
    assert caught.value.error.kind is ErrorKind.TRANSIENT


async def test_nobody_listening_is_transient(graph: Graph) -> None:
    client = FacebookClient(
        graph.session, base_url="http://127.0.0.1:9", version=VERSION, timeout=timedelta(seconds=2)
    )
    error = await refused(client, story())
    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "unreachable")


@pytest.mark.parametrize("code", [4, 32, 80001])
async def test_rate_limits_wait_for_the_estimated_time_to_regain_access(
    graph: Graph, code: int
) -> None:
    graph.configure(call_limit=4, window_seconds=600, rate_limit_code=code)
    client = graph.client()
    # Each photo-less post is two calls (the post, then its permalink): the second post fills it.
    await client.publish(ACCESS, story())
    limits = await client.limits(ACCESS)
    assert limits.usage_percent == 50
    await client.publish(ACCESS, story())
    before = datetime.now(UTC)
    error = await refused(client, story())
    assert (error.kind, error.code) == (ErrorKind.RATE_LIMITED, str(code))
    assert error.retry_at is not None
    # The oldest call leaves the 10-minute window in just under 10 minutes: Meta says 10.
    assert before + timedelta(minutes=9) <= error.retry_at <= before + timedelta(minutes=11)
    assert "100 %" in error.reason
    limits = await client.limits(ACCESS)
    assert limits.usage_percent == 100
    assert limits.remaining == 0
    assert limits.resets_at is not None and limits.resets_at > before
    assert limits.pace == timedelta(minutes=5)


async def test_usage_headers_grow_with_calls_and_the_client_slows_down(graph: Graph) -> None:
    graph.configure(call_limit=20)
    client = graph.client(slow_from=50, max_gap=timedelta(seconds=60))
    seen: list[tuple[int, timedelta | None]] = []
    for _ in range(8):
        await client.publish(ACCESS, story())
        limits = await client.limits(ACCESS)
        assert limits.usage_percent is not None
        seen.append((limits.usage_percent, limits.pace))
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[0] < percents[-1] == 80
    assert seen[0][1] == timedelta(0)
    assert seen[-1][1] == timedelta(seconds=36)  # (80 - 50) / 50 of a minute
    async with graph.session.get(
        f"{graph.url}/{VERSION}/{PAGE}", params={"fields": "id", "access_token": TOKEN}
    ) as resp:
        buc = json.loads(resp.headers["X-Business-Use-Case-Usage"])
        app = json.loads(resp.headers["X-App-Usage"])
    [entry] = buc[DEFAULTS["business_id"]]
    assert entry["type"] == "pages"
    assert entry["call_count"] == 85 and 0 < entry["total_cputime"] < entry["total_time"] < 85
    assert entry["estimated_time_to_regain_access"] == 0
    assert app["call_count"] == 85


async def test_limits_reads_the_headers_when_it_has_seen_none(graph: Graph) -> None:
    limits = await graph.client().limits(ACCESS)
    assert limits.usage_percent is not None and limits.usage_percent <= 1  # one call of 4,800
    assert limits.pace == timedelta(0)
    assert len(graph.fake.log.attempts_at) == 1


@pytest.mark.parametrize("mode", ["500", "drop", "sleep"])
async def test_fail_after_accept_is_unclear_and_recent_posts_finds_the_post(
    graph: Graph, mode: str
) -> None:
    graph.configure(after_accept=mode, sleep_seconds=3.0)
    post = story(creatives=(photo(),) if mode == "drop" else ())
    started = datetime.now(UTC) - timedelta(seconds=1)
    error = await refused(graph.client(timeout=1.0), post)
    assert error.kind is ErrorKind.UNCLEAR
    assert "checked before any retry" in error.reason
    recent = await graph.client().recent_posts(ACCESS, started)
    assert [p.text for p in recent] == [post.text]
    assert recent[0].provider_post_id in graph.fake.posts
    # The switch was for one request: the next post goes through.
    assert (await graph.client().publish(ACCESS, story())).provider_post_id


async def test_an_unpublished_photo_upload_that_fails_is_not_unclear(graph: Graph) -> None:
    graph.configure(outage=True)
    error = await refused(graph.client(), story(creatives=(photo(), photo())))
    assert error.kind is ErrorKind.TRANSIENT  # the first upload failed: nothing can be public


async def test_delete_removes_the_post_and_is_idempotent(graph: Graph) -> None:
    client = graph.client()
    published = await client.publish(ACCESS, story())
    assert await client.delete(ACCESS, published.provider_post_id) is True
    assert await client.recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=1)) == []
    assert await client.delete(ACCESS, published.provider_post_id) is True  # already gone
    graph.configure(token_invalid=True)
    with pytest.raises(SocialCallError) as caught:
        await client.delete(ACCESS, published.provider_post_id)
    assert caught.value.error.kind is ErrorKind.ACCOUNT


async def test_recent_posts_pages_through_the_feed(graph: Graph) -> None:
    client = graph.client()
    now = time.time()
    for i in range(130):
        graph.fake.posts[f"{PAGE}_{i}"] = {
            "id": f"{PAGE}_{i}", "page": PAGE, "message": f"संदेश {i} 📢", "link": None,
            "media": [], "created": now - i, "scheduled_publish_time": None, "published": True,
            "deleted": False, "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{i}",
        }  # fmt: skip
    recent = await client.recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=10))
    assert len(recent) == 130
    assert recent[0].text == "संदेश 0 📢"
    assert [p.created_at for p in recent] == sorted((p.created_at for p in recent), reverse=True)


async def test_a_video_is_refused_before_any_call(graph: Graph) -> None:
    video = Creative(sha256="ab" * 32, media_type="video/mp4", size=3, content=b"abc")
    error = await refused(graph.client(), story(creatives=(video,)))
    assert (error.kind, error.code) == (ErrorKind.REFUSED, "media_type")
    assert graph.fake.log.attempts_at == []


async def test_the_fake_runs_as_the_stack_starts_it(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = tmp_path / "posts.jsonl"
    argv = [sys.executable, "-m", "nazar_fakes", "facebook", "--port", str(port), "--token", TOKEN]
    argv += ["--page-ids", PAGE, "--log", str(log), "--config", '{"call_limit": 100}']
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            client = FacebookClient(
                session,
                base_url=f"http://127.0.0.1:{port}",
                version=VERSION,
                timeout=timedelta(seconds=5),
            )
            post = story()
            published = await client.publish(ACCESS, post)
            # Two calls of 100: the post and its permalink.
            assert (await client.limits(ACCESS)).usage_percent == 2
            async with session.get(f"http://127.0.0.1:{port}/_fake/config") as resp:
                assert (await resp.json())["call_limit"] == 100
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    [line] = log.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["id"] == published.provider_post_id
    assert json.loads(line)["message"] == post.text
