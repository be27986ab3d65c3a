"""Receipts and acknowledgements (issue 6, item 5): the provider's statuses, members' replies,
and acknowledgements from the field app or the signed inbox link."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection
from nazar_platform.db.audit import Cause

from directive import metrics
from directive.domain import acks
from directive.domain.acks import AckVia
from directive.domain.model import OriginKind
from directive.domain.reach import FAILED_TYPE, RECEIPT_STATUS
from directive.handlers import events, incidents
from directive.handlers.common import Topics
from directive.store import receipts as store


@dataclass(frozen=True, slots=True)
class Receipt:
    delivery_id: UUID
    type: str
    at: datetime
    failure: str | None = None


async def apply_receipts(conn: Connection, receipts: Sequence[Receipt]) -> store.Applied:
    codes = [
        store.FAILED if r.type == FAILED_TYPE else int(RECEIPT_STATUS[r.type]) for r in receipts
    ]
    applied = await store.apply(
        conn,
        [r.delivery_id for r in receipts],
        codes,
        [r.at for r in receipts],
        [r.failure for r in receipts],
    )
    metrics.RECEIPTS.labels("advanced").inc(applied.changed)
    metrics.RECEIPTS.labels("stale").inc(applied.known - applied.changed)
    metrics.RECEIPTS.labels("unknown").inc(applied.distinct - applied.known)
    if applied.alert_delivered:
        await incidents.on_delivered(conn, applied.alert_delivered)
    # The lag of the batch's oldest and newest receipt: a storm's batches are 10,000 receipts
    # a few milliseconds apart, and observing each would cost more than applying it.
    now = datetime.now(UTC)
    for at in {min(r.at for r in receipts), max(r.at for r in receipts)}:
        metrics.RECEIPT_LAG.observe(max(0.0, (now - at).total_seconds()))
    return applied


async def record_acks(
    conn: Connection,
    topics: Topics,
    decisions: Sequence[tuple[UUID, AckVia, datetime]],
    cause: Cause | None = None,
) -> list[store.Acknowledged]:
    """Acknowledge deliveries and announce each first acknowledgement on directive.events.v1.
    `cause`: the reply event that acknowledged (None: a request, audited as such)."""
    if not decisions:
        return []
    applied = await store.apply(
        conn,
        [d for d, _, _ in decisions],
        [store.ACK] * len(decisions),
        [at for _, _, at in decisions],
        [str(via) for _, via, _ in decisions],
    )
    # Only a directive's acknowledgements are directive events; a story asks for none, and a
    # button pressed on one still counts as read, which is all its reach shows.
    await events.announce(
        conn,
        topics.events,
        *((events.acknowledged(a), a.at) for a in applied.acknowledged if a.directive_id),
    )
    for a in applied.acknowledged:
        metrics.ACKS.labels(a.via).inc()
    alerts = [a for a in applied.acknowledged if a.origin_kind == OriginKind.ALERT]
    if alerts:  # a field alert's first acknowledgement takes it (button, reply code, inbox page)
        await incidents.on_acks(conn, topics, alerts, cause)
    return applied.acknowledged


async def resolve_reply(conn: Connection, reply: acks.Reply) -> acks.AckDecision | None:
    rows = await store.reply_candidates(
        conn,
        reply.member_id,
        reply.in_reply_to_delivery_id,
        sorted(acks.reply_codes_in(reply.text)),
        reply.received_at - acks.FREE_TEXT_WINDOW,
        reply.received_at,
    )
    return acks.resolve(reply, rows)


async def apply_replies(
    conn: Connection, topics: Topics, replies: Sequence[acks.Reply]
) -> list[store.Acknowledged]:
    """One reply at a time, in order: two texts from one member acknowledge two messages."""
    done: list[store.Acknowledged] = []
    for reply in replies:
        decision = await resolve_reply(conn, reply)
        if decision is None:
            metrics.REPLIES_UNMATCHED.inc()
            continue
        done += await record_acks(
            conn,
            topics,
            [(decision.delivery_id, decision.via, reply.received_at)],
            Cause.event(reply.event_id) if reply.event_id else None,
        )
    return done


async def acknowledge_directive(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    member_id: str,
    message_id: UUID | None,
    via: AckVia,
    now: datetime,
) -> list[store.Acknowledged]:
    """A member acknowledges a directive (all its messages they got that asked for it), or one
    message of it. Repeating it changes nothing."""
    async with pool.acquire() as conn, conn.transaction():
        pending = await store.unacknowledged(conn, directive_id, member_id, message_id)
        return await record_acks(conn, topics, [(d, via, now) for d in pending])


async def acknowledge_delivery(
    pool: asyncpg.Pool, topics: Topics, delivery_id: UUID, via: AckVia, now: datetime
) -> list[store.Acknowledged]:
    async with pool.acquire() as conn, conn.transaction():
        return await record_acks(conn, topics, [(delivery_id, via, now)])
