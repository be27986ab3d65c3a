"""The recorder: answers of the sender's calls, written in batches (one transaction per batch,
not per message). It runs in the RECORD stage: at shutdown it writes the answers of the sender's
last calls before the outbox publisher stops."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nazar_platform.runtime.retry import TRANSIENT

from social_publisher.handlers.attempts import Outcome, record
from social_publisher.handlers.context import Context

log = structlog.get_logger(__name__)


class Recorder:
    def __init__(self, ctx: Context, *, batch: int = 1000, linger: float = 0.02) -> None:
        self._ctx = ctx
        self._batch = batch
        self._linger = linger
        self._items: list[Outcome] = []
        self._wake = asyncio.Event()
        self.recorded = 0

    def put(self, outcome: Outcome) -> None:
        self._items.append(outcome)
        self._wake.set()

    @property
    def backlog(self) -> int:
        return len(self._items)

    async def run(self, stop: asyncio.Event) -> None:
        while not (stop.is_set() and not self._items):
            if not self._items:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.5)
                continue
            await asyncio.sleep(self._linger)
            batch, self._items = self._items[: self._batch], self._items[self._batch :]
            await self._write(batch, stop)

    async def _write(self, batch: list[Outcome], stop: asyncio.Event) -> None:
        delay = 0.2
        while True:
            try:
                await record(self._ctx, batch)
                self.recorded += len(batch)
                return
            except TRANSIENT as exc:
                log.warning("recording answers failed; retrying", error=repr(exc))
                if stop.is_set() and delay > 5:
                    return  # shutting down without a database: the intents stay unanswered
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
