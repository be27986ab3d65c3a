"""The leader loop: work that must run in one process per database at a time.

Every replica runs `lead(...)`; the one that holds the PostgreSQL advisory lock `lock_key` (on a
connection of its own, for as long as it works) runs `work`, the others wait for the lock. If the
leader dies its connection closes, the lock is released and another replica takes over within
`retry` seconds. A lost database is retried, never fatal. The outbox publisher and the schedulers
run on it, so that one key's events are published in order and one deadline escalates once.

    await lead(dsn, LOCK_KEY, publish, stop, name="outbox publisher", on_change=gauge.set)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from nazar_platform import db
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop

log = structlog.get_logger(__name__)

LeaderWork = Callable[[asyncpg.Connection, asyncio.Event], Awaitable[None]]


async def lead(
    dsn: str,
    lock_key: int,
    work: LeaderWork,
    stop: asyncio.Event,
    *,
    name: str,
    on_change: Callable[[bool], object] = lambda _active: None,
    retry: float = 2.0,
) -> None:
    """Run `work(conn, stop)` whenever this process holds the lock, until `stop` is set.
    `on_change(True/False)` says when it starts and stops leading (a gauge, usually)."""
    while not stop.is_set():
        try:
            await _hold_and_work(dsn, lock_key, work, stop, name, on_change, retry)
        except TRANSIENT as exc:
            log.warning(f"{name} lost its database; retrying", error=repr(exc))
        finally:
            on_change(False)
        await sleep_or_stop(stop, 1.0)


async def _hold_and_work(
    dsn: str,
    lock_key: int,
    work: LeaderWork,
    stop: asyncio.Event,
    name: str,
    on_change: Callable[[bool], object],
    retry: float,
) -> None:
    conn = await db.connect(dsn)
    try:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key):
            if await sleep_or_stop(stop, retry):
                return
        on_change(True)
        log.info(f"{name} active")
        await work(conn, stop)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.close(), 5)
