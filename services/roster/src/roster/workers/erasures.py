"""The read models' erasure confirmations (erasure.confirmations.v1): each says when it deleted
its copy of a member; the erasure request shows them (handlers/erasures.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nazar_contracts.erasures import ErasureConfirmed
from nazar_platform.db import Connection
from nazar_platform.kafka.consumer import Handler, IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record
from nazar_platform.runtime.context import Runtime

from roster.handlers import erasures
from roster.settings import RosterSettings


def confirmations_handler() -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        rows: list[tuple[str, str, datetime]] = []
        for record in records:
            data = parse_record(record)
            if isinstance(data, ErasureConfirmed):
                rows.append((data.member_id, data.read_model.value, data.confirmed_at))
        await erasures.confirmed(conn, rows)

    return handle


def confirmations_consumer(settings: RosterSettings, runtime: Runtime) -> IdempotentConsumer:
    return IdempotentConsumer(
        name=settings.erasure_consumer_group,
        topics=[settings.topic_erasure_confirmations],
        pool=runtime.pool,
        handler=confirmations_handler(),
        bootstrap=settings.kafka_bootstrap,
        batch_max=settings.consumer_batch_max,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        retention=settings.processed_event_retention,
    )
