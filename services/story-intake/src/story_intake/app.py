"""The story-intake service: its parts on the platform runtime and its HTTP app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from nazar_platform.db import migrations
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import ServiceParts, Task, create_app

from story_intake import __version__
from story_intake.adapters import gate_data
from story_intake.api import console, routers
from story_intake.api.problems import register_all
from story_intake.settings import StoryIntakeSettings
from story_intake.workers import gauges
from story_intake.workers.roster import make_consumers


def story_migrations() -> list[migrations.Migration]:
    return migrations.load("story-intake", "story_intake")


async def _load_gate(_: Runtime) -> None:
    # Built at start-up (about half a second) rather than on the first request.
    await asyncio.to_thread(gate_data.gate)


def parts(settings: StoryIntakeSettings) -> ServiceParts:
    return ServiceParts(
        settings,
        migrations=story_migrations(),
        consumers=lambda rt: make_consumers(settings, rt.pool),
        background=[Task("story-gauges", gauges.run)],
        on_startup=[_load_gate],
    )


def create(settings: StoryIntakeSettings | None = None) -> FastAPI:
    settings = settings or StoryIntakeSettings()
    register_all()
    app = create_app(
        parts(settings),
        title="Nazar story-intake",
        version=__version__,
        description="Field stories and their moderation chain (CO → SP → PHQ cell), and the "
        "lawful-publishing gate: what identifies a victim or a child, or leaks a citizen's "
        "numbers, does not go out.",
        routers=routers(),
    )
    console.install(app)
    return app
