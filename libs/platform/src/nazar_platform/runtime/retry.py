"""Waiting and retrying in long-running loops: what counts as a passing failure, and sleeping
without delaying a shutdown."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from aiokafka.errors import KafkaError

# Failures of the database or Kafka that pass (a restart, a failover, a lost connection, a lock
# conflict): a loop retries after them. Anything else is a bug or bad data, handled elsewhere.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # asyncpg's protocol state breaks when the server dies under a running query ("got result for
    # unknown protocol state"); the pool drops that connection, so a retry gets a fresh one.
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.TooManyConnectionsError,
    KafkaError,
)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, waking early when `stop` is set; True when stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def wait_for_either(event: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Wait until `event` or `stop` is set, or `seconds` have passed."""
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
