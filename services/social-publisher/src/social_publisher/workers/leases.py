"""Leases on sender numbers: each number (and the SMS lane, "sms") is paced by exactly one
publisher instance, so that one number's cap is kept by one sliding window whatever the number of
instances.

A lease is the platform's leader loop (`nazar_platform.runtime.leader.lead`) with one advisory
lock per number: a session-level `pg_try_advisory_lock` on a connection of its own, held for as
long as the lease lives. Every instance runs the loop for every number; the one that gets the
lock owns the number, the others try again every `lease_retry` (a second). The lease ends when:

* the connection is lost (the instance died, the server restarted, the session was terminated):
  the server releases the lock; here asyncpg's termination callback drops the number on the
  event loop's next turn, before any further start, while another instance's next try comes up
  to `lease_retry` later;
* a keep-alive query on it (`lease_ping`) fails or takes longer than `lease_ping_timeout`: the
  number is dropped, then the connection closed. A silent network partition is caught here first:
  the server keeps the session (and the lock) until its own TCP keep-alive gives up, which takes
  longer, so no other instance can take the number meanwhile;
* the instance stops.

Dropping a number stops its pacer's normal work at once (`Pacers.owns` is read before each start)
and hands the number's queued jobs back to the database, due at once, for the next owner. A new
owner waits one window (`Pacers.take`) before its first start: the previous owner's sends of the
last second are in no window here.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Sequence
from functools import partial

import asyncpg
import structlog
from nazar_platform.runtime.leader import lead
from nazar_platform.runtime.retry import wait_for_either

from social_publisher import metrics
from social_publisher.store import leases as lease_store

log = structlog.get_logger(__name__)

_LOCK_BASE = 0x534E44 << 32  # "SND" and the number's CRC-32: one owner per sender number


def lease_key(sender: str) -> int:
    return _LOCK_BASE | zlib.crc32(sender.encode())


class Leases:
    """The numbers this instance owns; `on_gain` / `on_loss` are told of every change."""

    def __init__(
        self,
        dsn: str,
        senders: Sequence[str],
        *,
        retry: float = 1.0,
        ping: float = 0.5,
        ping_timeout: float = 1.0,
        on_gain: Callable[[str], object] = lambda _s: None,
        on_loss: Callable[[str], object] = lambda _s: None,
    ) -> None:
        self._dsn = dsn
        self.senders = list(dict.fromkeys(senders))
        self._retry = retry
        self._ping = ping
        self._ping_timeout = ping_timeout
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.owned: set[str] = set()

    def owns(self, sender: str) -> bool:
        return sender in self.owned

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(
            *(
                lead(
                    self._dsn,
                    lease_key(s),
                    partial(self._hold, s),
                    stop,
                    name=f"sender {s}",
                    on_change=metrics.SENDER_OWNED.labels(s).set,
                    retry=self._retry,
                )
                for s in self.senders
            )
        )

    async def _hold(self, sender: str, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        lost = asyncio.Event()

        def closed(_conn: object) -> None:
            self._drop(sender, "connection lost")
            lost.set()

        conn.add_termination_listener(closed)
        self.owned.add(sender)
        log.info("sender number owned here", sender=sender)
        self.on_gain(sender)
        try:
            while not stop.is_set() and not lost.is_set():
                await wait_for_either(lost, stop, self._ping)
                if stop.is_set() or lost.is_set():
                    break
                try:
                    await asyncio.wait_for(lease_store.alive(conn), self._ping_timeout)
                except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                    # Drop the number first; then the leader loop closes the connection and
                    # tries again (the lock may still be ours on the server, or not).
                    self._drop(sender, "keep-alive failed")
                    raise ConnectionError(f"the lease on {sender} may be lost") from None
        finally:
            conn.remove_termination_listener(closed)
            self._drop(sender, "released")

    def _drop(self, sender: str, why: str) -> None:
        if sender not in self.owned:
            return
        self.owned.discard(sender)
        log.warning("sender number no longer owned here", sender=sender, why=why)
        self.on_loss(sender)
