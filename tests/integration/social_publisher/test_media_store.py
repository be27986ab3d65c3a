"""The publisher's media store on a real PostgreSQL: creatives fetched from story-intake's signed
URLs, verified, kept once, served at our own signed URLs (`GET /media/{sha256}`), and deleted by
the retention sweep once no post needs them."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import cast

import aiohttp
import pytest
from aiokafka import AIOKafkaProducer
from nazar_contracts.publish import PublishMedia
from nazar_platform.runtime.context import Runtime
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.social import ErrorKind, Network
from social_publisher.handlers import media as handlers
from social_publisher.settings import PublisherSettings
from social_publisher.workers import media_retention

from tests.integration.social_publisher.support import World
from tests.unit.social_publisher.images import jpeg, png

DAY = timedelta(days=1)


def now() -> datetime:
    return datetime.now(UTC)


async def refused(w: World, items: list[PublishMedia], post_id: str = "post-r") -> SocialCallError:
    with pytest.raises(SocialCallError) as caught:
        await w.store.creatives_for(post_id, Network.INSTAGRAM, items, now())
    return caught.value


async def test_a_creative_is_fetched_verified_kept_once_and_given_a_public_url(w: World) -> None:
    data = jpeg()
    item = w.story.media(data, now(), alt="थाने के बाहर बरामद सामान")
    [creative] = await w.store.creatives_for("post-1", Network.INSTAGRAM, [item], now())
    assert (creative.sha256, creative.size, creative.content) == (item.sha256, len(data), data)
    assert creative.media_type == "image/jpeg" and creative.alt_text == item.alt_text
    assert creative.public_url and creative.public_url.startswith(f"{w.publisher_url}/media/")
    assert w.files.path(item.sha256) is not None
    # Another post of the same file (X this time): kept already, not fetched again, no public URL.
    [again] = await w.store.creatives_for("post-2", Network.X, [item], now())
    assert again.content == data and again.public_url is None
    assert w.story.fetches == 1


async def test_bytes_that_are_not_the_approved_file_are_refused(w: World) -> None:
    item = w.story.media(jpeg(), now())
    w.story.files[item.sha256] = jpeg(color=(1, 2, 3))  # replaced behind the request's back
    error = (await refused(w, [item])).error
    assert (error.kind, error.code) == (ErrorKind.REFUSED, "media.mismatch")
    assert "not the approved file" in error.reason and w.files.path(item.sha256) is None
    lying = item.model_copy(update={"size": item.size + 1})
    w.story.files[item.sha256] = jpeg()
    assert (await refused(w, [lying], "post-s")).error.code == "media.mismatch"


async def test_an_expired_link_is_refused_in_words(w: World) -> None:
    past = w.story.media(jpeg(), now() - timedelta(days=4))  # story-intake answers 410
    error = (await refused(w, [past.model_copy(update={"url_expires_at": now() + DAY})])).error
    assert (error.kind, error.code) == (ErrorKind.REFUSED, "media.link_expired")
    assert "Approve the post again" in error.reason
    fetches = w.story.fetches
    stale = w.story.media(png(), now()).model_copy(update={"url_expires_at": now() - DAY})
    assert (await refused(w, [stale], "post-e")).error.code == "media.link_expired"
    assert w.story.fetches == fetches  # an expiry already past is not even tried


async def test_story_intake_down_is_transient(w: World) -> None:
    item = w.story.media(jpeg(), now())
    down = item.model_copy(update={"url": "http://127.0.0.1:9/api/v1/media/x?token=t"})
    error = (await refused(w, [down])).error
    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "media.unreachable")


async def get(w: World, url: str, lang: str = "en") -> aiohttp.ClientResponse:
    async with w.session.get(url, headers={"Accept-Language": lang}) as r:
        await r.read()
        return r


async def test_the_media_route_serves_a_signed_url_and_refuses_forged_and_expired(w: World) -> None:
    data = jpeg(1080, 566)
    item = w.story.media(data, now())
    [creative] = await w.store.creatives_for("post-1", Network.INSTAGRAM, [item], now())
    assert creative.public_url
    async with w.session.get(creative.public_url) as r:
        assert r.status == 200 and await r.read() == data
        assert r.headers["Content-Type"] == "image/jpeg"
        assert r.headers["Content-Length"] == str(len(data))
        assert r.headers["Cache-Control"].startswith("private")
    forged = creative.public_url[:-3] + (
        "AAA" if not creative.public_url.endswith("AAA") else "BBB"
    )
    async with w.session.get(forged, headers={"Accept-Language": "hi"}) as r:
        body = await r.json(content_type=None)
        assert r.status == 403 and r.headers["Content-Type"].startswith("application/problem+json")
        assert body["code"] == "media.link_invalid" and body["title"] == "यह मीडिया लिंक मान्य नहीं है"
    other = hashlib.sha256(b"other").hexdigest()
    token = creative.public_url.split("token=")[1]
    async with w.session.get(f"{w.publisher_url}/media/{other}?token={token}") as r:
        assert r.status == 403  # a token opens its own file only
    expired = w.links.url(item.sha256, now() - timedelta(days=2))
    async with w.session.get(expired) as r:
        body = await r.json(content_type=None)
        assert r.status == 410 and body["code"] == "media.link_expired"


async def test_retention_deletes_what_no_post_needs_any_more(w: World) -> None:
    kept, shared = jpeg(color=(9, 9, 9)), jpeg(color=(8, 8, 8))
    a = w.story.media(kept, now())
    b = w.story.media(shared, now())
    await w.store.creatives_for("post-a", Network.INSTAGRAM, [a, b], now())
    await w.store.creatives_for("post-b", Network.X, [b], now())
    retention, hold_max = timedelta(days=7), timedelta(days=30)
    async with w.pool.acquire() as conn, conn.transaction():
        assert await handlers.release(conn, "post-a", now()) == 2
    # Released, but within the retention: both kept.
    assert await handlers.sweep(w.pool, w.files, now() + DAY, retention, hold_max) == 0
    # After it: post-a's own file goes; the shared one stays while post-b holds it.
    later = now() + retention + DAY
    assert await handlers.sweep(w.pool, w.files, later, retention, hold_max) == 1
    assert w.files.path(a.sha256) is None and w.files.path(b.sha256) is not None
    public = w.links.url(a.sha256, now())
    async with w.session.get(public) as r:
        assert r.status == 404 and (await r.json(content_type=None))["code"] == "media.gone"
    # A hold never released (the queue died with it) ends after hold_max.
    assert await handlers.sweep(w.pool, w.files, now() + hold_max + DAY, retention, hold_max) == 1
    assert w.files.path(b.sha256) is None
    # Asked again later, the file is fetched again from story-intake.
    fetches = w.story.fetches
    [back] = await w.store.creatives_for("post-c", Network.INSTAGRAM, [a], now())
    assert back.content == kept and w.story.fetches == fetches + 1


async def test_the_retention_worker_sweeps_as_leader(w: World, fresh_database: str) -> None:
    item = w.story.media(jpeg(color=(7, 7, 7)), now())
    await w.store.creatives_for("post-w", Network.INSTAGRAM, [item], now())
    async with w.pool.acquire() as conn, conn.transaction():
        await handlers.release(conn, "post-w", now())
    settings = PublisherSettings(
        environment="test", database_url=fresh_database, media_retention=timedelta(0),
        media_retention_interval=timedelta(milliseconds=100),
    )  # fmt: skip
    runtime = Runtime(settings, w.pool, cast(AIOKafkaProducer, None))
    stop = asyncio.Event()
    task = asyncio.create_task(media_retention.run(runtime, w.files, stop))
    try:
        for _ in range(200):
            if w.files.path(item.sha256) is None:
                break
            await asyncio.sleep(0.05)
        assert w.files.path(item.sha256) is None
        assert await handlers.kept_file(w.pool, item.sha256) is None
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
