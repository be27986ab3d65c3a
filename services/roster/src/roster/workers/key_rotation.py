"""Rotates the token-signing keys on schedule (issue 16, item 2), in one replica at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import structlog
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import sleep_or_stop

from roster.handlers.signing_keys import SigningKeys

log = structlog.get_logger(__name__)
LOCK_KEY = 0x524F534B4559  # "ROSKEY": one key rotator per database


async def rotate_keys(
    runtime: Runtime, stop: asyncio.Event, keys: SigningKeys, check_every: timedelta
) -> None:
    async def work(_lock: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not stop.is_set():
            kid = await keys.rotate()
            if kid is not None:
                log.info("signing key added", kid=kid)
            await sleep_or_stop(stop, check_every.total_seconds())

    dsn = runtime.settings.database_url.get_secret_value()
    await lead(dsn, LOCK_KEY, work, stop, name="signing-key rotator")
