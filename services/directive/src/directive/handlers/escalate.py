"""The scheduler's work (issue 6, item 7): overdue relays, silent circles, expiry.

`tick(now)` does everything due at `now` and nothing else, so tests drive it with any clock.
Each directive is handled in its own transaction; every step is recorded (district overdue mark,
circle stage) in the same transaction as the escalation it raises, so a repeat raises nothing.
Each automatic relay, escalation and closing is on the audit trail (`system:scheduler`, the
deadline that passed as its cause), written in that transaction too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import structlog
from nazar_platform.db import Connection, audit
from nazar_platform.db.audit import Cause

from directive import metrics
from directive.domain import escalation as rules
from directive.domain.model import DirectiveState, MessageKind, RelayMode
from directive.domain.texts import escalation_text
from directive.handlers import events
from directive.handlers.common import Topics
from directive.handlers.messages import new_message, send
from directive.handlers.relay import relay_in
from directive.store import deadlines, roster
from directive.store import directives as store
from directive.store import reach as reach_store

log = structlog.get_logger(__name__)

SCHEDULER = audit.actor("scheduler")


def _subject(directive_id: UUID) -> str:
    return f"directive:{directive_id}"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _minutes(window: timedelta) -> str:
    return f"{round(window.total_seconds() / 60)} min"


@dataclass
class TickReport:
    auto_relays: list[tuple[UUID, str]] = field(default_factory=list)
    escalations: list[tuple[UUID, str, str]] = field(default_factory=list)  # directive, kind, unit
    closed: list[UUID] = field(default_factory=list)
    held: list[tuple[UUID, str]] = field(default_factory=list)  # circles waiting for providers


async def tick(
    pool: asyncpg.Pool,
    topics: Topics,
    now: datetime,
    hold_max: timedelta = rules.DEFAULT_HOLD_MAX,
) -> TickReport:
    report = TickReport()
    for directive_id in await deadlines.overdue_relays(pool, now):
        async with pool.acquire() as conn, conn.transaction():
            await _overdue_relays(conn, topics, directive_id, now, report)
    for directive_id in await deadlines.circles_to_check(pool, now):
        async with pool.acquire() as conn, conn.transaction():
            await _silent_circles(conn, topics, directive_id, now, hold_max, report)
    for directive_id in await deadlines.expired(pool, now):
        async with pool.acquire() as conn, conn.transaction():
            await _close(conn, topics, directive_id, now, report)
    for state, n in (await deadlines.count_by_state(pool)).items():
        metrics.DIRECTIVES.labels(state).set(n)
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
        deadline = Cause.scheduled(f"relay deadline {_at(d.relay_deadline)} passed")
        if action.auto_relay:
            await relay_in(conn, topics, directive_id, action.district_id, None, None, None, now)
            await audit.record(
                conn,
                audit.Decision(
                    SCHEDULER,
                    "directive.relay",
                    deadline,
                    subject=_subject(directive_id),
                    target_unit=action.district_id,
                ),
            )
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
                deadline,
                name_hi=(district.name_hi if district else None) or action.district_id,
                name_en=(district.name_en if district else None) or action.district_id,
            )
            report.escalations.append((directive_id, "relay_overdue", action.district_id))
        await store.mark_district(conn, directive_id, action.district_id, overdue_at=now)


async def _silent_circles(
    conn: Connection,
    topics: Topics,
    directive_id: UUID,
    now: datetime,
    hold_max: timedelta,
    report: TickReport,
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
                c.waiting,
                c.clock_from,
                c.held,
            ),
            d.ack_window,
            d.ack_threshold,
            now,
            hold_max,
        )
        if decision is None:
            continue
        if decision.held is not None:
            await store.set_circle_clock(
                conn, directive_id, c.circle_id, decision.clock_from, decision.held
            )
            if decision.held and not c.held:
                report.held.append((directive_id, c.circle_id))
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
                Cause.scheduled(
                    f"acknowledgement window {_minutes(d.ack_window)} passed below "
                    f"{d.ack_threshold:.0%} acknowledged"
                ),
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
    cause: Cause,
    *,
    name_hi: str,
    name_en: str,
) -> None:
    """An escalation is a message with its own deliveries, like any other."""
    text = escalation_text(kind, d.title, name_hi, name_en, share=share, threshold=d.ack_threshold)
    seq = await store.next_seq(conn, d.id)
    message = new_message(
        d.id, MessageKind.ESCALATION, seq, text, ack=True, by=None, at=now, unit_id=unit_id
    )
    await send(
        conn,
        topics,
        message,
        "escalation",
        lambda m: events.escalated(m, kind, recipients, share),
        member_ids=recipients,
    )
    await store.insert_escalation(conn, message.id, d.id, kind, unit_id, recipients, share, now)
    await audit.record(
        conn,
        audit.Decision(
            SCHEDULER,
            "directive.escalate",
            cause,
            subject=_subject(d.id),
            target_unit=unit_id,
            detail=f"{kind}: {len(recipients)} recipient(s)",
        ),
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
    await store.set_state(conn, directive_id, DirectiveState.CLOSED, now, "closed_at")
    await events.announce(conn, topics.events, (events.closed(directive_id, cancelled, now), now))
    await audit.record(
        conn,
        audit.Decision(
            SCHEDULER,
            "directive.close",
            Cause.scheduled(f"expiry {_at(d.expires_at)} passed"),
            subject=_subject(directive_id),
            detail="cancelled" if cancelled else None,
        ),
    )
    report.closed.append(directive_id)
