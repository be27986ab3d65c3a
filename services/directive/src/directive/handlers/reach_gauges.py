"""The reach dashboard's gauges: the last day's directives by district and circle, the circles
under their directive's acknowledgement threshold, and flash directives not fanned out within a
minute. Read-only; the scheduler's leader refreshes
them every `reach_gauge_interval` (an aggregate over the counters is too heavy for every tick)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

import asyncpg

from directive import metrics
from directive.domain.reach import Counts
from directive.store import reach as store

WINDOW = timedelta(days=1)
FLASH_GRACE = timedelta(minutes=1)
STAGES = tuple(f.name for f in fields(Counts))


async def refresh(pool: asyncpg.Pool, now: datetime) -> int:
    """Set the gauges from the database; the number of areas shown."""
    since = now - WINDOW
    async with pool.acquire() as conn:
        areas = await store.by_area_since(conn, since)
        under = await store.circles_under_threshold_since(conn, since)
        flash = await store.flash_waiting(conn, since, now - FLASH_GRACE)
    # An area whose directives have all left the window goes from the dashboard, not to zero.
    metrics.REACH_LAST_DAY.clear()
    for area in areas:
        for stage in STAGES:
            metrics.REACH_LAST_DAY.labels(
                area.kind, area.unit_id, area.name, area.district, stage
            ).set(getattr(area.counts, stage))
    metrics.CIRCLES_UNDER_THRESHOLD.set(under)
    metrics.FLASH_WAITING.set(flash)
    return len(areas)


def clear() -> None:
    """This process no longer leads: another one sets the gauges."""
    metrics.REACH_LAST_DAY.clear()
    metrics.CIRCLES_UNDER_THRESHOLD.set(0)
    metrics.FLASH_WAITING.set(0)
