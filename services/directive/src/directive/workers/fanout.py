"""The fan-out engine: one job (a relay, issue, note, update, cancellation or escalation) becomes
one `dispatch.requested` per message and member, set-based and resumable.

Per batch of recipients (in member-id order): one transaction inserts the deliveries and their
counters, the records go to Kafka, and once Kafka has acknowledged them the job's cursor moves
past the batch. The next batch is read and written while the previous one is being acknowledged.
A run that dies anywhere resumes at the cursor: inserts are no-ops, and deliveries the job made
but never saw acknowledged are published again with the same delivery id (at least once on the
wire, one delivery per member and message).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog
from nazar_contracts.ids import DELIVERY_NAMESPACE
from nazar_platform.db import Connection

from directive import metrics
from directive.adapters.dispatch import Encoder
from directive.domain.campaigns import link_url
from directive.domain.model import MessageInfo
from directive.handlers.common import utc_now
from directive.store import campaigns
from directive.store import fanout as store
from directive.workers.sink import KafkaSink

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class FanOutConfig:
    topic: str
    flash_topic: str
    link_key: bytes
    base_url: str
    link_ttl: timedelta
    batch_size: int = 5000


class _Stages:
    """Where a fan-out's time goes (bench/fanout prints it; Prometheus keeps it)."""

    def __init__(self) -> None:
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        metrics.FANOUT_STAGE_SECONDS.labels(name).inc(now - self._last)
        self._last = now


@dataclass(slots=True)
class _InFlight:
    futures: list[asyncio.Future[Any]]
    cursor: str
    count: int
    at: datetime


class FanOut:
    def __init__(
        self,
        pool: asyncpg.Pool,
        sink: KafkaSink,
        config: FanOutConfig,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._pool = pool
        self._sink = sink
        self._config = config
        self._clock = clock
        self.requested = 0

    async def run_job(self, job_id: UUID) -> int | None:
        """Publish the job's deliveries; the number published now, None if there is no such job."""
        async with self._pool.acquire() as conn:
            job = await store.start_job(conn, job_id)
            if job is None:
                return None
            if job.finished:
                return 0
            messages = await store.load_messages(conn, job.message_ids)
            post_links = await self._post_links(conn, job, messages)
        cfg = self._config
        encoder = Encoder(
            messages,
            topic=cfg.topic,
            flash_topic=cfg.flash_topic,
            note=job.note,
            link_key=cfg.link_key,
            base_url=cfg.base_url,
            link_ttl=cfg.link_ttl,
            post_links=post_links,
        )
        by_id = {m.id: m for m in messages}
        acks = [by_id[m].ack_requested for m in job.message_ids]
        priority = messages[0].priority if messages else "routine"
        started = time.perf_counter()
        total = 0
        inflight: _InFlight | None = None
        stage = _Stages()
        # Two stages overlap: PostgreSQL writes batch k+1 while Python encodes and sends batch k.
        pending = asyncio.create_task(self._batch(job, job.cursor, acks))
        try:
            while True:
                batch, now = await pending
                stage.lap("insert")
                if batch.cursor is not None:
                    pending = asyncio.create_task(self._batch(job, batch.cursor, acks))
                records = [
                    encoder.record(
                        w.id,
                        w.message_id,
                        w.member_id,
                        w.language,
                        w.requested_at,
                        w.key_hash,
                        w.unit_id,
                    )
                    for w in batch.written
                ]
                stage.lap("encode")
                futures = await self._sink.send(records)
                stage.lap("send")
                if inflight is not None:
                    await self._settle(job, inflight)
                    stage.lap("acks")
                if batch.cursor is None:
                    inflight = None
                    async with self._pool.acquire() as conn:
                        await store.finish(conn, job.id, self._clock())
                    break
                if total == 0 and records:
                    metrics.SINCE_ISSUE.labels(job.kind, "first").observe(
                        (now - job.issued_at).total_seconds()
                    )
                total += len(records)
                inflight = _InFlight(futures, batch.cursor, len(records), now)
        finally:
            if not pending.done():
                pending.cancel()
        if total:
            metrics.SINCE_ISSUE.labels(job.kind, "last").observe(
                (self._clock() - job.issued_at).total_seconds()
            )
            metrics.DELIVERIES_REQUESTED.labels(priority).inc(total)
        metrics.FANOUT_JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)
        self.requested += total
        log.info("fan-out job done", job=str(job.id), kind=job.kind, requested=total)
        return total

    async def _post_links(
        self, conn: Connection, job: store.Job, messages: list[MessageInfo]
    ) -> dict[str, str]:
        """A campaign relay's tracked link per unit of its circles (empty for any other job)."""
        if job.directive_id is None or not job.scope_units or not any(m.post_url for m in messages):
            return {}
        codes = await campaigns.links_by_unit(conn, job.directive_id, job.scope_units)
        return {unit: link_url(self._config.base_url, code) for unit, code in codes.items()}

    async def _batch(
        self, job: store.Job, cursor: str, acks: list[bool]
    ) -> tuple[store.Batch, datetime]:
        async with self._pool.acquire() as conn, conn.transaction():
            now = self._clock()
            batch = await store.fan_out_batch(
                conn, job, cursor, self._config.batch_size, acks, DELIVERY_NAMESPACE, now
            )
            return batch, now

    async def _settle(self, job: store.Job, batch: _InFlight) -> None:
        await asyncio.gather(*batch.futures)
        async with self._pool.acquire() as conn:
            await store.advance(conn, job.id, job.directive_id, batch.cursor, batch.count, batch.at)
