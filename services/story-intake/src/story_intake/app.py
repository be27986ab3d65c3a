"""The story-intake service: its parts on the platform runtime and its HTTP app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from nazar_platform.db import migrations
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app

from story_intake import __version__
from story_intake.adapters import gate_data
from story_intake.adapters.s3 import S3Files
from story_intake.adapters.storage import media_store
from story_intake.api import console, routers
from story_intake.api.problems import register_all
from story_intake.domain.media import ImageLimits
from story_intake.handlers.photos import MediaContext
from story_intake.settings import StoryIntakeSettings
from story_intake.workers import gauges, retention
from story_intake.workers.roster import make_consumers


def story_migrations() -> list[migrations.Migration]:
    return migrations.load("story-intake", "story_intake")


async def _load_gate(_: Runtime) -> None:
    # Built at start-up (about half a second) rather than on the first request.
    await asyncio.to_thread(gate_data.gate)


def media_context(settings: StoryIntakeSettings) -> MediaContext:
    return MediaContext(
        files=media_store(settings),
        scratch=settings.media_dir / ".scratch",
        limits=ImageLimits(settings.photo_max_bytes, settings.photo_max_pixels),
        thumb_px=settings.photo_thumb_px,
        web_px=settings.photo_web_px,
        per_story=settings.photos_per_story,
        workers=settings.image_workers,
    )


def parts(settings: StoryIntakeSettings, media: MediaContext | None = None) -> ServiceParts:
    media = media or media_context(settings)

    async def _prepare_store(_: Runtime) -> None:
        if isinstance(media.files, S3Files):
            await asyncio.to_thread(media.files.ensure_bucket)

    return ServiceParts(
        settings,
        migrations=story_migrations(),
        consumers=lambda rt: make_consumers(settings, rt.pool),
        background=[
            Task("story-gauges", gauges.run),
            Task("media-retention", retention.task(media.files)),
        ],
        on_startup=[_load_gate, _prepare_store],
    )


def create(settings: StoryIntakeSettings | None = None) -> FastAPI:
    settings = settings or StoryIntakeSettings()
    register_all()
    media = media_context(settings)
    app = create_app(
        parts(settings, media),
        title="Nazar story-intake",
        version=__version__,
        description="Field stories and their moderation chain (CO → SP → PHQ cell), their photos "
        "and the cell's creatives, and the lawful-publishing gate: what identifies a victim or "
        "a child, or leaks a citizen's numbers, does not go out.",
        routers=routers(),
    )
    app.state.media = media
    console.install(app)
    return app
