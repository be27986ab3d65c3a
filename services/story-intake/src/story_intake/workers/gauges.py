"""Keeps the story gauges (stories by state, queue depth per level) current."""

from __future__ import annotations

import asyncio

import structlog
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from story_intake import metrics
from story_intake.domain.chain import State
from story_intake.handlers.stories import counts

log = structlog.get_logger(__name__)
EVERY_SECONDS = 15.0


async def refresh(runtime: Runtime) -> None:
    by_state: dict[str, int] = dict.fromkeys(State, 0)
    by_level: dict[str, int] = {}
    for state, level, n in await counts(runtime.pool):
        by_state[state] = by_state.get(state, 0) + n
        if state == State.IN_REVIEW and level:
            by_level[level] = by_level.get(level, 0) + n
    for state, n in by_state.items():
        metrics.STORIES.labels(state).set(n)
    for level in ("circle", "district", "phq"):
        metrics.QUEUE_DEPTH.labels(level).set(by_level.get(level, 0))


async def run(runtime: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await refresh(runtime)
        except TRANSIENT as exc:
            log.warning("story gauges not refreshed", error=type(exc).__name__)
        if await sleep_or_stop(stop, EVERY_SECONDS):
            return
