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
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from directive import metrics
from directive.dispatch import Encoder
from directive.domain.ids import delivery_id
from directive.sink import KafkaSink
from directive.store import fanout as store

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FanOutConfig:
    topic: str
    flash_topic: str
    link_key: bytes
    base_url: str
    link_ttl: timedelta
    batch_size: int = 5000


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
            job = await store.load_job(conn, job_id)
            if job is None:
                return None
            if job.finished:
                return 0
            messages = await store.load_messages(conn, job.message_ids)
        cfg = self._config
        encoder = Encoder(
            messages,
            topic=cfg.topic,
            flash_topic=cfg.flash_topic,
            note=job.note,
            link_key=cfg.link_key,
            base_url=cfg.base_url,
            link_ttl=cfg.link_ttl,
        )
        ack_requested = {m.id: m.ack_requested for m in messages}
        priority = messages[0].priority if messages else "routine"
        started = time.perf_counter()
        total = 0
        inflight: _InFlight | None = None
        while True:
            async with self._pool.acquire() as conn:
                async with conn.transaction():
                    recipients = await store.audience_batch(conn, job, cfg.batch_size)
                    now = self._clock()
                    written: list[store.Written] = []
                    if recipients:
                        written = await self._write(conn, job, recipients, ack_requested, now)
                if inflight is not None:
                    await self._settle(conn, job, inflight)
                    inflight = None
                if not recipients:
                    await store.finish(conn, job.id, self._clock())
                    break
            language = {r.member_id: r.language for r in recipients}
            records = [
                encoder.record(
                    w.id, w.message_id, w.member_id, language[w.member_id], w.requested_at
                )
                for w in written
            ]
            futures = await self._sink.send(records)
            if total == 0 and records:
                metrics.SINCE_ISSUE.labels(job.kind, "first").observe(
                    (now - job.issued_at).total_seconds()
                )
            total += len(records)
            inflight = _InFlight(futures, recipients[-1].member_id, len(records), now)
            job = replace(job, cursor=recipients[-1].member_id)
        if total:
            metrics.SINCE_ISSUE.labels(job.kind, "last").observe(
                (self._clock() - job.issued_at).total_seconds()
            )
            metrics.DELIVERIES_REQUESTED.labels(priority).inc(total)
        metrics.FANOUT_JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)
        self.requested += total
        log.info("fan-out job done", job=str(job.id), kind=job.kind, requested=total)
        return total

    async def _write(
        self,
        conn: Any,
        job: store.Job,
        recipients: list[store.Recipient],
        ack_requested: dict[UUID, bool],
        now: datetime,
    ) -> list[store.Written]:
        rows = sorted(
            (delivery_id(m, r.member_id), m, r.member_id, r.unit_id, ack_requested[m])
            for r in recipients
            for m in job.message_ids
        )  # one global insert order: concurrent jobs sharing members cannot deadlock
        ids, message_ids, member_ids, unit_ids, acks = (list(c) for c in zip(*rows, strict=True))
        written = await store.insert_deliveries(
            conn, job, ids, message_ids, member_ids, unit_ids, acks, now
        )
        # Records leave in member order (the topic is keyed by member), messages in seq order.
        order = {m: i for i, m in enumerate(job.message_ids)}
        written.sort(key=lambda w: (w.member_id, order[w.message_id]))
        return written

    async def _settle(self, conn: Any, job: store.Job, batch: _InFlight) -> None:
        await asyncio.gather(*batch.futures)
        await store.advance(conn, job.id, job.directive_id, batch.cursor, batch.count, batch.at)
