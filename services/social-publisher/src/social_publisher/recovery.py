"""Work that comes back from the database: due retries, probes of a closed channel, and orphans.

An orphan is an intent that stayed `pending` without an answer for `answer_wait`: the process
that made the call died before recording the answer, and no status webhook carrying its
`biz_opaque_callback_data` arrived since. Only then is it sent again, counted, and marked as a
possible duplicate (issue 5, item 6). Intents whose calls are still in flight here are excluded.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

import structlog
from nazar_platform.runtime.retry import TRANSIENT

from social_publisher import handlers, store
from social_publisher.dispatcher import Dispatcher
from social_publisher.handlers import Context

log = structlog.get_logger(__name__)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def poll_retries(ctx: Context, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    s = ctx.settings
    while not stop.is_set():
        try:
            open_channels = [c for c, g in dispatcher.gates.items() if g.is_open]
            room = s.queue_max - dispatcher.queued()
            if open_channels and room > 0:
                jobs = await handlers.claim(ctx, channels=open_channels, limit=min(room, 1000))
                dispatcher.enqueue(jobs)
            for channel, gate in dispatcher.gates.items():
                if gate.probe_due():
                    probe = await handlers.claim(ctx, channels=[channel], limit=1)
                    if probe:
                        gate.probing = True
                        probe[0].probe = True
                        dispatcher.enqueue(probe)
        except TRANSIENT as exc:
            log.warning("claiming retries failed", error=repr(exc))
        await _sleep(stop, s.retry_poll_interval)


async def sweep_orphans(ctx: Context, dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    s = ctx.settings
    last_prune = 0.0
    while not stop.is_set():
        await _sleep(stop, s.sweep_interval)
        try:
            jobs = await handlers.claim(
                ctx, limit=1000, orphans_after=s.answer_wait, exclude=dispatcher.held_ids()
            )
            if jobs:
                log.warning("resending unanswered intents as possible duplicates", n=len(jobs))
                dispatcher.enqueue(jobs)
            if time.monotonic() - last_prune > 3600:
                async with ctx.pool.acquire() as conn:
                    await store.prune_webhook_seen(conn, timedelta(days=14))
                last_prune = time.monotonic()
        except TRANSIENT as exc:
            log.warning("orphan sweep failed", error=repr(exc))
