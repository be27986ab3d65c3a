"""The media store's retention sweep on the platform's leader loop: one replica per database
deletes (the others wait on the advisory lock), every NAZAR_MEDIA_RETENTION_INTERVAL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import structlog
from nazar_platform.files import FileStore
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from social_publisher.handlers.media import sweep
from social_publisher.settings import PublisherSettings

log = structlog.get_logger(__name__)
LOCK_KEY = 0x5055424D4544  # "PUBMED": one media retention sweep per database


async def run(runtime: Runtime, files: FileStore, stop: asyncio.Event) -> None:
    """Lead, then sweep every interval while leading."""
    settings: PublisherSettings = runtime.settings  # type: ignore[assignment]

    async def work(_lock: asyncpg.Connection, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                deleted = await sweep(
                    runtime.pool,
                    files,
                    datetime.now(UTC),
                    settings.media_retention,
                    settings.media_hold_max,
                )
                if deleted:
                    log.info("media retention sweep", files=deleted)
            except TRANSIENT as exc:
                log.warning("media retention sweep failed; next time", error=type(exc).__name__)
            if await sleep_or_stop(stopping, settings.media_retention_interval.total_seconds()):
                return

    await lead(
        settings.database_url.get_secret_value(), LOCK_KEY, work, stop, name="media-retention"
    )
