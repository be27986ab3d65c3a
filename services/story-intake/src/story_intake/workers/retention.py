"""The retention sweep on the platform's leader loop: one replica per database deletes (the
others wait on the advisory lock), every NAZAR_RETENTION_INTERVAL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import structlog
from nazar_platform.files import FileStore
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from story_intake.handlers.retention import sweep
from story_intake.settings import StoryIntakeSettings

log = structlog.get_logger(__name__)
LOCK_KEY = 0x5354524554  # "STRET": one retention sweep per database


def task(files: FileStore) -> Callable[[Runtime, asyncio.Event], Awaitable[None]]:
    """The supervisor's task: lead, then sweep every interval while leading."""

    async def run(runtime: Runtime, stop: asyncio.Event) -> None:
        settings: StoryIntakeSettings = runtime.settings  # type: ignore[assignment]

        async def work(_lock: asyncpg.Connection, stopping: asyncio.Event) -> None:
            while not stopping.is_set():
                try:
                    swept = await sweep(
                        runtime.pool, files, datetime.now(UTC), settings.media_retention
                    )
                    if swept.rows or swept.files:
                        log.info("retention sweep", rows=swept.rows, files=swept.files)
                except TRANSIENT as exc:
                    log.warning("retention sweep failed; next time", error=type(exc).__name__)
                if await sleep_or_stop(stopping, settings.retention_interval.total_seconds()):
                    return

        await lead(settings.database_url.get_secret_value(), LOCK_KEY, work, stop, name="retention")

    return run
