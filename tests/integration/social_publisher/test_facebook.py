"""The Facebook Pages client against the fake Graph API on 127.0.0.1: posts, schedule, reads,
delete, and the fake as the stack runs it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from social_publisher.adapters.facebook import FacebookClient
from social_publisher.adapters.social import SocialCallError, SocialClient
from social_publisher.domain.social import AccountAccess, Creative, ErrorKind, Network
from social_publisher.settings import PublisherSettings

from tests.integration.social_publisher import facebook_support as fbs
from tests.integration.social_publisher.facebook_support import (
    ACCESS,
    JPEG,
    LINK,
    PAGE,
    PNG,
    TOKEN,
    VERSION,
    Graph,
    photo,
    refused,
    story,
)

served, graph = fbs.served, fbs.graph  # the fixtures

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "deploy"))
from stackctl import services as stack  # noqa: E402
from stackctl.common import Ports, State  # noqa: E402


async def test_text_with_a_link_is_a_feed_post_with_its_permalink(graph: Graph) -> None:
    client: SocialClient = graph.client()  # mypy: FacebookClient keeps the shared protocol
    assert client.network is Network.FACEBOOK
    post = story()
    published = await client.publish(ACCESS, post)
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


async def test_scheduled_photo_posts_are_accepted(graph: Graph) -> None:
    at = datetime.now(UTC) + timedelta(days=2)
    one = await graph.client().publish(ACCESS, story(creatives=(photo(),), scheduled_for=at))
    assert one.scheduled
    assert graph.fake.posts[one.provider_post_id]["published"] is False
    three = story(creatives=(photo(), photo(), photo()), scheduled_for=at)
    several = await graph.client().publish(ACCESS, three)
    media = graph.fake.posts[several.provider_post_id]["media"]
    assert len(media) == 3
    assert all(graph.fake.photos[m]["temporary"] for m in media)  # kept until the post goes out


async def test_the_fake_takes_json_bodies_as_meta_does(graph: Graph) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    form = aiohttp.FormData({"published": "false"})
    form.add_field("source", JPEG, filename="a.jpg", content_type="image/jpeg")
    url = f"{graph.url}/{VERSION}/{PAGE}"
    async with graph.session.post(f"{url}/photos", data=form, headers=headers) as resp:
        media_fbid = (await resp.json())["id"]
    body = {"message": "जयपुर 🚓", "attached_media": [{"media_fbid": media_fbid}]}
    async with graph.session.post(f"{url}/feed", json=body, headers=headers) as resp:
        assert resp.status == 200
        post_id = (await resp.json())["id"]
    assert graph.fake.posts[post_id]["media"] == [media_fbid]
    async with graph.session.post(f"{url}/feed", json=body, headers=headers) as resp:
        error = (await resp.json())["error"]  # the photo is already attached
    assert (resp.status, error["code"], error["type"]) == (400, 100, "OAuthException")
    assert error["fbtrace_id"] and error["is_transient"] is False


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


async def test_the_token_never_travels_in_a_url(graph: Graph) -> None:
    client = graph.client()
    published = await client.publish(ACCESS, story(creatives=(photo(), photo())))
    await client.publish(ACCESS, story(creatives=(photo(),)))
    await client.recent_posts(ACCESS, datetime.now(UTC) - timedelta(minutes=1))
    await client.delete(ACCESS, published.provider_post_id)
    assert len(graph.fake.log.attempts_at) == 9  # 4 + 2 for the posts, 2 reads, 1 delete
    assert graph.fake.tokens_in_urls == 0


async def test_a_video_is_refused_before_any_call(graph: Graph) -> None:
    video = Creative(sha256="ab" * 32, media_type="video/mp4", size=3, content=b"abc")
    error = await refused(graph.client(), story(creatives=(video,)))
    assert (error.kind, error.code) == (ErrorKind.REFUSED, "media_type")
    assert graph.fake.log.attempts_at == []


async def test_the_stack_runs_the_fake_and_points_the_publisher_at_it() -> None:
    # Exactly what `deploy/stack up` runs (deploy/stackctl/services.py), on a free port.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        ports = Ports(int(sock.getsockname()[1]) - 204)
    state = State(f"test-fake-facebook-{os.getpid()}")
    state.logs.mkdir(parents=True, exist_ok=True)
    fake = next(s for s in stack.SERVICES if s.name == "fake-facebook")
    publisher = next(s for s in stack.SERVICES if s.name == "social-publisher")
    env = stack.env_of(publisher, ports, state, {})
    settings = PublisherSettings(
        facebook_base_url=env["NAZAR_FACEBOOK_BASE_URL"],
        facebook_api_version=env["NAZAR_FACEBOOK_API_VERSION"],
    )
    proc = subprocess.Popen(
        stack.argv_of(fake, ports, state), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(150):
                try:
                    async with session.get(fake.url(ports, fake.health_path)) as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            client = FacebookClient(
                session,
                base_url=settings.facebook_base_url,
                version=settings.facebook_api_version,
                timeout=settings.facebook_http_timeout,
            )
            page = AccountAccess(
                "facebook-state", Network.FACEBOOK, "100000000000101", "x", "local-facebook-token"
            )
            post = story()
            published = await client.publish(page, post)
            async with session.get(fake.url(ports, fake.look_path)) as resp:
                [logged] = (await resp.json())["messages"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log = state.logs / "fake-facebook-posts.jsonl"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        shutil.rmtree(state.dir, ignore_errors=True)
    assert (logged["id"], logged["message"]) == (published.provider_post_id, post.text)
    assert [json.loads(line)["id"] for line in lines] == [published.provider_post_id]
