"""The portfolio's quota, shared by every instance through the database.

Every `quota_sync_interval` (a second) an instance writes the members it counted since its last
sync and reads back how many members the portfolio messaged in the last 24 h, every instance's
(`handlers.quota.sync`). Between syncs it decides from that total plus its own new members, so
N instances together exceed the limit by at most what the other N - 1 add in one interval (at
most their numbers' caps for a second, and only while the limit is being reached). A failed sync
keeps the last total and the unwritten members for the next one.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from social_publisher import metrics
from social_publisher.domain.pacing import Quota
from social_publisher.handlers import quota as quota_handler
from social_publisher.handlers.context import Context

log = structlog.get_logger(__name__)

PRUNE_EVERY = 60.0


async def sync_once(ctx: Context, quota: Quota, *, prune: bool = False) -> int:
    fresh = quota.unsynced()
    total = await quota_handler.sync(ctx, fresh, prune=prune)
    quota.synced(fresh, total)
    metrics.QUOTA_USED.set(quota.used(time.time()))
    return total


async def run(ctx: Context, quota: Quota, stop: asyncio.Event) -> None:
    interval = ctx.settings.quota_sync_interval.total_seconds()
    last_prune = 0.0
    while True:
        try:
            prune = time.monotonic() - last_prune > PRUNE_EVERY
            await sync_once(ctx, quota, prune=prune)
            if prune:
                last_prune = time.monotonic()
        except TRANSIENT as exc:
            log.warning("quota not synced", error=repr(exc))
        # The last sync runs after `stop`, so that this instance's last members are written.
        if stop.is_set() or await sleep_or_stop(stop, interval):
            break
    try:
        await sync_once(ctx, quota)
    except TRANSIENT as exc:
        log.warning("quota not synced at shutdown", error=repr(exc))
