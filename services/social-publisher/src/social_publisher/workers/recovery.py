"""Work that comes back from the database: due retries, probes of a closed channel, and orphans.

Due retries (and the work other instances handed over) are claimed only for the sender numbers
this instance owns; orphans of any number, since an orphan is found by age alone and goes to its
number's owner like any other job.

An orphan is an intent that stayed `pending` without an answer for `answer_wait`: the process
that made the call died before recording the answer, and no status webhook carrying its
`biz_opaque_callback_data` arrived since. Only then is it sent again, counted, and marked as a
possible duplicate (issue 5, item 6). Intents whose calls are still in flight here are excluded.

The wait is also counted from this process's start: while the publisher was down, the
providers' webhooks for calls made just before the crash could not arrive (they are being
redelivered with back-off), so a restarted publisher gives them `answer_wait` to come in before
it resends anything. Without that, a publisher killed several times in a row resends messages
whose "sent" webhooks were only waiting for it to come back.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import structlog
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

from social_publisher.handlers.context import Context
from social_publisher.handlers.deliveries import claim
from social_publisher.store import webhooks
from social_publisher.workers.sender import Sender

log = structlog.get_logger(__name__)

# Due retries claimed in one transaction at most (about 50 ms of work at most on a busy host).
CLAIM_BATCH = 200


async def poll_retries(ctx: Context, sender: Sender, stop: asyncio.Event) -> None:
    s = ctx.settings
    while not stop.is_set():
        try:
            open_channels = [c for c, g in sender.gates.items() if g.is_open]
            # Only the numbers owned here: another's work waits for its owner (workers.leases).
            owned = sender.owned()
            room = s.queue_max - sender.queued()
            # In batches: making jobs of claimed rows holds the event loop (and so the pacer),
            # more so with several instances, when half the work comes back from here.
            while open_channels and owned and room > 0:
                limit = min(room, CLAIM_BATCH)
                jobs = await claim(ctx, channels=open_channels, senders=owned, limit=limit)
                sender.enqueue(jobs)
                if len(jobs) < limit or stop.is_set():
                    break
                room = s.queue_max - sender.queued()
                await asyncio.sleep(0)
            for channel, gate in sender.gates.items():
                if owned and gate.probe_due():
                    probe = await claim(ctx, channels=[channel], senders=owned, limit=1)
                    if probe:
                        gate.probing = True
                        probe[0].probe = True
                        sender.enqueue(probe)
        except TRANSIENT as exc:
            log.warning("claiming retries failed", error=repr(exc))
        await sleep_or_stop(stop, s.retry_poll_interval.total_seconds())


async def sweep_orphans(ctx: Context, sender: Sender, stop: asyncio.Event) -> None:
    s = ctx.settings
    last_prune = 0.0
    hearing_since = time.monotonic()
    while not stop.is_set():
        await sleep_or_stop(stop, s.sweep_interval.total_seconds())
        if time.monotonic() - hearing_since < s.answer_wait.total_seconds():
            continue
        try:
            jobs = await claim(
                ctx, limit=1000, orphans_after=s.answer_wait, exclude=sender.held_ids()
            )
            if jobs:
                log.warning("resending unanswered intents as possible duplicates", n=len(jobs))
                sender.enqueue(jobs)
            if time.monotonic() - last_prune > 3600:
                async with ctx.pool.acquire() as conn:
                    await webhooks.prune_seen(conn, timedelta(days=14))
                last_prune = time.monotonic()
        except TRANSIENT as exc:
            log.warning("orphan sweep failed", error=repr(exc))
