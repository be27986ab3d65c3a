"""The media store and the Instagram client under test, in one event loop: a PostgreSQL database
with the publisher's migrations, a story-intake stand-in serving files at story-intake's own
signed URLs (`story_intake.handlers.media_links`), the publisher's HTTP app (its `/media` route,
really served, so that the fake fetches over HTTP), and the fake Instagram (nazar_fakes)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import uvicorn
from aiohttp import web
from nazar_contracts.publish import PublishMedia
from nazar_fakes.instagram import FakeInstagram
from nazar_fakes.server import instagram_app
from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.files import LocalFiles
from social_publisher.adapters.media_fetch import MediaFetcher
from social_publisher.app import create
from social_publisher.handlers.media import MediaStore, PublicMediaLinks
from social_publisher.settings import PublisherSettings
from story_intake.handlers.media_links import MediaLinkError, MediaLinks

IG_USER = "17841400000000001"
IG_TOKEN = "test-instagram-token"
STORY_KEY = b"story-intake-test-media-link-key-0001"
PUBLIC_KEY = "publisher-test-public-media-key-00001"


async def migrated_pool(dsn: str) -> asyncpg.Pool:
    conn = await db.connect(dsn)
    try:
        await migrations.apply(
            conn,
            [
                *migrations.platform_migrations(),
                *migrations.load("social-publisher", "social_publisher"),
            ],
        )
    finally:
        await conn.close()
    return await db.create_pool(dsn, min_size=1, max_size=5)


@dataclass
class StoryIntake:
    """Serves files at `/api/v1/media/{sha256}?token=` and checks tokens exactly as story-intake
    does (its MediaLinks); counts the fetches."""

    links: MediaLinks
    files: dict[str, bytes] = field(default_factory=dict)
    fetches: int = 0
    base_url: str = ""

    def media(self, data: bytes, now: datetime, *, alt: str | None = None) -> PublishMedia:
        sha = hashlib.sha256(data).hexdigest()
        self.files[sha] = data
        url, expires_at = self.links.url(sha, now)
        return PublishMedia(
            sha256=sha, size=len(data), media_type="image/jpeg", url=url,
            url_expires_at=expires_at, alt_text=alt,
        )  # fmt: skip

    async def handle(self, request: web.Request) -> web.Response:
        self.fetches += 1
        sha = request.match_info["sha256"]
        try:
            self.links.verify(sha, request.query.get("token", ""), datetime.now(UTC))
        except MediaLinkError as exc:
            return web.json_response({"code": "media.link"}, status=410 if exc.expired else 404)
        return web.Response(body=self.files[sha], content_type="image/jpeg")


@contextlib.asynccontextmanager
async def aiohttp_server(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def publisher_http(settings: PublisherSettings, store: MediaStore) -> AsyncIterator[str]:
    """The publisher's real app, its media route served over HTTP; no lifespan (no Kafka, no
    sender): the media store is the test's."""
    app = create(settings)
    app.state.media.store = store
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None,
                            access_log=False)  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@dataclass
class World:
    pool: asyncpg.Pool
    session: aiohttp.ClientSession
    story: StoryIntake
    store: MediaStore
    links: PublicMediaLinks
    publisher_url: str
    fake: FakeInstagram
    fake_url: str
    files: LocalFiles

    def fake_calls(self, *names: str) -> list[dict[str, Any]]:
        return [e for e in self.fake.log.entries if not names or e["call"] in names]


@contextlib.asynccontextmanager
async def world(dsn: str, media_dir: Path, **fake_config: Any) -> AsyncIterator[World]:
    pool = await migrated_pool(dsn)
    story = StoryIntake(MediaLinks("http://placeholder", (STORY_KEY,), timedelta(days=3)))
    story_app = web.Application()
    story_app.router.add_get("/api/v1/media/{sha256}", story.handle)
    fake = FakeInstagram(IG_TOKEN, [IG_USER], **{"polls_to_finish": 2, **fake_config})
    async with (
        aiohttp.ClientSession() as session,
        aiohttp_server(story_app) as story_url,
        aiohttp_server(instagram_app(fake)) as fake_url,
    ):
        story.base_url = story_url
        story.links = MediaLinks(story_url, (STORY_KEY,), timedelta(days=3))
        settings = PublisherSettings(
            environment="test", public_media_key=PUBLIC_KEY, media_dir=media_dir,
            public_base_url="http://placeholder",
        )  # fmt: skip
        files = LocalFiles(media_dir)
        fetcher = MediaFetcher(session, 5.0, 32 * 1024 * 1024)
        store = MediaStore(pool, files, fetcher, PublicMediaLinks.of(settings))
        async with publisher_http(settings, store) as publisher_url:
            # The URLs Instagram is given point at the app really serving them.
            store.links = PublicMediaLinks(publisher_url, settings.public_media_keys,
                                           settings.public_media_ttl)  # fmt: skip
            try:
                yield World(pool, session, story, store, store.links, publisher_url, fake,
                            fake_url, files)  # fmt: skip
            finally:
                await pool.close()
