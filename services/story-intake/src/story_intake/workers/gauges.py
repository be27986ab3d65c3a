"""Keeps the story gauges current: stories by state and kind, and per level the queue's depth
and how long its oldest story has waited."""

from __future__ import annotations

import asyncio

import structlog
from nazar_contracts.stories import ReviewLevel, StoryKind
from nazar_platform.runtime.context import Runtime
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from story_intake import metrics
from story_intake.domain.chain import State
from story_intake.handlers.stories import tally

log = structlog.get_logger(__name__)
EVERY_SECONDS = 15.0


async def refresh(runtime: Runtime) -> None:
    # Every state × kind and every level is set, to 0 when empty, so a series does not vanish
    # (an absent series would keep an alert from resolving and leave gaps in the graphs).
    by_state_kind = {(str(s), str(k)): 0 for s in State for k in StoryKind}
    depth = {str(level): 0 for level in ReviewLevel}
    oldest = {str(level): 0.0 for level in ReviewLevel}
    for t in await tally(runtime.pool):
        by_state_kind[(t.state, t.kind)] = by_state_kind.get((t.state, t.kind), 0) + t.count
        if t.state == State.IN_REVIEW and t.level in depth:
            depth[t.level] += t.count
            oldest[t.level] = max(oldest[t.level], t.oldest_age_seconds or 0.0)
    for (state, kind), n in by_state_kind.items():
        metrics.STORIES.labels(state, kind).set(n)
    for level, n in depth.items():
        metrics.QUEUE_DEPTH.labels(level).set(n)
        metrics.QUEUE_OLDEST_AGE.labels(level).set(oldest[level])


async def run(runtime: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await refresh(runtime)
        except TRANSIENT as exc:
            log.warning("story gauges not refreshed", error=type(exc).__name__)
        if await sleep_or_stop(stop, EVERY_SECONDS):
            return
