"""The scheduler's work (issue 6, item 7): overdue relays, silent circles, expiry.

`tick(now)` does everything due at `now` and nothing else, so tests drive it with any clock.
Each directive is handled in its own transaction; every step is recorded (district overdue mark,
circle stage) in the same transaction as the escalation it raises, so a repeat raises nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import asyncpg
import structlog
from nazar_contracts.directives import (
    CloseReason,
    DirectiveClosed,
    DirectiveEscalated,
    EscalationReason,
)
from nazar_platform import outbox
from nazar_platform.db import Connection

from directive import metrics
from directive.domain import escalation as rules
from directive.domain.ids import reply_code
from directive.domain.model import DirectiveState, MessageKind, RelayMode
from directive.domain.texts import escalation_text
from directive.handlers import events
from directive.handlers.common import Topics
from directive.handlers.relay import relay_in
from directive.store import directives as store
from directive.store import reach as reach_store
from directive.store import roster

log = structlog.get_logger(__name__)


@dataclass
class TickReport:
    auto_relays: list[tuple[UUID, str]] = field(default_factory=list)
    escalations: list[tuple[UUID, str, str]] = field(default_factory=list)  # directive, kind, unit
    closed: list[UUID] = field(default_factory=list)


async def tick(pool: asyncpg.Pool, topics: Topics, now: datetime) -> TickReport:
    report = TickReport()
    due = await pool.fetch(
        """SELECT DISTINCT d.id FROM directives d
           JOIN directive_districts x ON x.directive_id = d.id
           WHERE d.state = 'active' AND d.relay_deadline <= $1
             AND x.relayed_at IS NULL AND x.overdue_at IS NULL""",
        now,
    )
    for row in due:
        async with pool.acquire() as conn, conn.transaction():
            await _overdue_relays(conn, topics, row["id"], now, report)
    watching = await pool.fetch(
        """SELECT DISTINCT d.id FROM directives d JOIN relayed_circles rc ON rc.directive_id = d.id
           WHERE d.state = 'active' AND d.ack_required AND rc.stage IN (0, 1)
             AND rc.relayed_at + d.ack_window * (rc.stage + 1) <= $1""",
        now,
    )
    for row in watching:
        async with pool.acquire() as conn, conn.transaction():
            await _silent_circles(conn, topics, row["id"], now, report)
    expired = await pool.fetch(
        "SELECT id FROM directives WHERE state <> 'closed' AND expires_at <= $1", now
    )
    for row in expired:
        async with pool.acquire() as conn, conn.transaction():
            await _close(conn, topics, row["id"], now, report)
    for row in await pool.fetch("SELECT state, count(*) AS n FROM directives GROUP BY state"):
        metrics.DIRECTIVES.labels(row["state"]).set(row["n"])
    return report


async def _overdue_relays(
    conn: Connection, topics: Topics, directive_id: UUID, now: datetime, report: TickReport
) -> None:
    d = await store.get_directive(conn, directive_id, lock="key share")
    if d is None:
        return
    districts = [
        rules.DistrictRelay(x.district_id, x.relayed_at is not None, x.overdue_at is not None)
        for x in await store.districts_of(conn, directive_id)
    ]
    actions = rules.overdue_relays(
        DirectiveState(d.state), RelayMode(d.relay_mode), d.relay_deadline, districts, now
    )
    for action in actions:
        target = await store.lock_district(conn, directive_id, action.district_id)
        if target is None or target.relayed_at is not None or target.overdue_at is not None:
            continue
        if action.auto_relay:
            await relay_in(conn, topics, directive_id, action.district_id, None, None, None, now)
            report.auto_relays.append((directive_id, action.district_id))
        else:
            district = await roster.unit(conn, action.district_id)
            recipients = await roster.members_at(
                conn, "ig", [target.range_id] if target.range_id else []
            ) or [d.issued_by]
            await _escalate(
                conn,
                topics,
                d,
                rules.EscalationKind.RELAY_OVERDUE,
                action.district_id,
                recipients,
                None,
                now,
                name_hi=(district.name_hi if district else None) or action.district_id,
                name_en=(district.name_en if district else None) or action.district_id,
            )
            report.escalations.append((directive_id, "relay_overdue", action.district_id))
        await store.mark_district(conn, directive_id, action.district_id, overdue_at=now)


async def _silent_circles(
    conn: Connection, topics: Topics, directive_id: UUID, now: datetime, report: TickReport
) -> None:
    d = await store.get_directive(conn, directive_id, lock="key share")
    if d is None or d.state != DirectiveState.ACTIVE:
        return
    for c in await reach_store.circle_acks(conn, directive_id, d.original_message_id):
        decision = rules.check_circle(
            rules.CircleAcks(
                c.circle_id,
                c.relayed_at,
                rules.CircleStage(c.stage),
                c.targeted,
                c.acknowledged,
                c.fanned_out,
            ),
            d.ack_window,
            d.ack_threshold,
            now,
        )
        if decision is None:
            continue
        if decision.escalate is not None:
            if decision.escalate == rules.EscalationKind.ACK_TO_CO:
                recipients = await roster.members_at(conn, "co", [c.circle_id])
            else:
                recipients = await roster.members_at(conn, "sp", [c.district_id])
            if not recipients:  # nobody in that post: the next level up hears of it
                recipients = await roster.members_at(conn, "sp", [c.district_id]) or [d.issued_by]
            circle = await roster.unit(conn, c.circle_id)
            await _escalate(
                conn,
                topics,
                d,
                decision.escalate,
                c.circle_id,
                recipients,
                c.acknowledged / c.targeted if c.targeted else None,
                now,
                name_hi=(circle.name_hi if circle else None) or c.circle_id,
                name_en=(circle.name_en if circle else None) or c.circle_id,
            )
            report.escalations.append((directive_id, str(decision.escalate), c.circle_id))
        await store.set_circle_stage(conn, directive_id, c.circle_id, int(decision.stage))


async def _escalate(
    conn: Connection,
    topics: Topics,
    d: store.DirectiveRow,
    kind: rules.EscalationKind,
    unit_id: str,
    recipients: list[str],
    share: float | None,
    now: datetime,
    *,
    name_hi: str,
    name_en: str,
) -> None:
    """An escalation is a message with its own deliveries, like any other."""
    text = escalation_text(kind, d.title, name_hi, name_en, share=share, threshold=d.ack_threshold)
    message_id = uuid.uuid4()
    await store.insert_message(
        conn,
        store.MessageRow(
            id=message_id,
            directive_id=d.id,
            kind=MessageKind.ESCALATION,
            seq=await store.next_seq(conn, d.id),
            title_hi=text.title_hi,
            body_hi=text.body_hi,
            title_en=text.title_en,
            body_en=text.body_en,
            ack_requested=True,
            reply_code=reply_code(message_id),
            unit_id=unit_id,
            created_by=None,
            created_at=now,
        ),
    )
    await store.insert_escalation(conn, message_id, d.id, kind, unit_id, recipients, share, now)
    await store.insert_job(
        conn, message_id, d.id, "escalation", [message_id], now, member_ids=recipients
    )
    await outbox.enqueue(
        conn,
        [
            events.event(
                topics.events,
                DirectiveEscalated(
                    directive_id=str(d.id),
                    escalation_id=str(message_id),
                    message_id=str(message_id),
                    reason=EscalationReason.SP_NOT_RELAYED
                    if kind == rules.EscalationKind.RELAY_OVERDUE
                    else EscalationReason.CIRCLE_BELOW_THRESHOLD,
                    level=2 if kind == rules.EscalationKind.ACK_TO_SP else 1,
                    unit_id=unit_id,
                    escalated_to=recipients,
                    observed_ratio=None if share is None else min(1.0, max(0.0, share)),
                    at=now,
                ),
                now,
            )
        ],
    )
    metrics.ESCALATIONS.labels(str(kind)).inc()
    log.info("escalated", directive=str(d.id), kind=str(kind), unit=unit_id)


async def _close(
    conn: Connection, topics: Topics, directive_id: UUID, now: datetime, report: TickReport
) -> None:
    d = await store.get_directive(conn, directive_id, lock="update")
    if d is None or not rules.should_close(DirectiveState(d.state), d.expires_at, now):
        return
    cancelled = d.state == DirectiveState.CANCELLED
    reason = CloseReason.CANCELLED if cancelled else CloseReason.EXPIRED
    await store.set_state(conn, directive_id, DirectiveState.CLOSED, now, "closed_at")
    await outbox.enqueue(
        conn,
        [
            events.event(
                topics.events,
                DirectiveClosed(directive_id=str(directive_id), reason=reason, at=now),
                now,
            )
        ],
    )
    report.closed.append(directive_id)
