"""Opt-outs: a "STOP" / "बंद" reply, reported by the publisher on the replies topic, withdraws
the volunteer's consent and republishes their member and contact records."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from nazar_contracts import event_types
from nazar_contracts.dispatch import DispatchOptedOut
from nazar_platform.db import Connection
from nazar_platform.db.audit import Cause
from nazar_platform.kafka.consumer import Handler, IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record
from nazar_platform.runtime.context import Runtime

from roster import metrics
from roster.handlers.context import Roster
from roster.handlers.opt_outs import opt_out
from roster.settings import RosterSettings
from roster.workers.erasures import confirmations_consumer

log = structlog.get_logger(__name__)


def opt_out_handler(roster: Roster) -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        for record in records:
            # Other reply types on the topic are the directive service's business.
            if record.event is None or record.event.type != event_types.DISPATCH_OPTED_OUT:
                continue
            data = parse_record(record)
            if not isinstance(data, DispatchOptedOut):
                continue
            cause = Cause.event(record.event_id)
            if await opt_out(
                roster, conn, data.member_id, data.received_at, cause, str(data.channel)
            ):
                metrics.OPT_OUTS.inc()
                log.info("consent withdrawn by reply", member_id=data.member_id)

    return handle


def consumers(
    roster: Roster, settings: RosterSettings, runtime: Runtime
) -> list[IdempotentConsumer]:
    return [
        IdempotentConsumer(
            name=settings.opt_out_consumer_group,
            topics=[settings.topic_replies],
            pool=runtime.pool,
            handler=opt_out_handler(roster),
            bootstrap=settings.kafka_bootstrap,
            batch_max=settings.consumer_batch_max,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            retention=settings.processed_event_retention,
        ),
        confirmations_consumer(settings, runtime),
    ]
