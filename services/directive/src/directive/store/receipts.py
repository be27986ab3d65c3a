"""Receipts and acknowledgements applied set-based, with the reach counters in the same statement.

One statement per batch: the batch is collapsed per delivery, the deliveries are locked in id
order, moved forward only (domain.reach), and the counters of every (message, unit) that changed
are adjusted by exactly the difference between each delivery's old and new contribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection

from directive.domain.acks import Candidate

# Codes in the `status` input array: 1..3 are domain.reach.Status, plus these two.
FAILED = -1
ACK = 4

_APPLY = """
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::timestamptz[], $4::text[])
        AS i(id, code, at, extra)
), agg AS (
    SELECT id,
           max(CASE WHEN code = 4 THEN 3 WHEN code > 0 THEN code END) AS rank,
           bool_or(code = -1) AS failed,
           min(at) FILTER (WHERE code = 1) AS sent_at,
           min(at) FILTER (WHERE code = 2) AS delivered_at,
           min(at) FILTER (WHERE code IN (3, 4)) AS read_at,
           min(at) FILTER (WHERE code = -1) AS failed_at,
           max(extra) FILTER (WHERE code = -1) AS failure,
           min(at) FILTER (WHERE code = 4) AS acked_at,
           max(extra) FILTER (WHERE code = 4) AS ack_via
    FROM input GROUP BY id
), old AS (
    SELECT d.id, d.message_id, d.directive_id, d.member_id, d.unit_id, d.status, d.failed,
           d.acked_at IS NOT NULL AS acked, d.origin_kind, d.origin_id
    FROM deliveries d WHERE d.id IN (SELECT id FROM agg) ORDER BY d.id FOR UPDATE
), upd AS (
    UPDATE deliveries d SET
        status = greatest(d.status, coalesce(a.rank, 0)),
        failed = d.failed OR coalesce(a.failed, false),
        sent_at = coalesce(d.sent_at, a.sent_at),
        delivered_at = coalesce(d.delivered_at, a.delivered_at),
        read_at = coalesce(d.read_at, a.read_at),
        failed_at = coalesce(d.failed_at, a.failed_at),
        failure = coalesce(d.failure, a.failure),
        acked_at = coalesce(d.acked_at, a.acked_at),
        ack_via = coalesce(d.ack_via, a.ack_via)
    FROM agg a JOIN old o ON o.id = a.id
    WHERE d.id = a.id AND (
        coalesce(a.rank, 0) > d.status OR (a.failed AND NOT d.failed)
        OR (d.sent_at IS NULL AND a.sent_at IS NOT NULL)
        OR (d.delivered_at IS NULL AND a.delivered_at IS NOT NULL)
        OR (d.read_at IS NULL AND a.read_at IS NOT NULL)
        OR (d.acked_at IS NULL AND a.acked_at IS NOT NULL))
    RETURNING d.id, o.message_id, o.directive_id, o.member_id, o.unit_id, o.origin_kind,
              o.origin_id,
              o.status AS old_status, o.failed AS old_failed, o.acked AS old_acked,
              d.status, d.failed, d.acked_at, d.ack_via,
              coalesce(d.delivered_at, d.read_at, d.acked_at) AS delivered_at
), deltas AS (
    SELECT message_id, unit_id, min(directive_id::text)::uuid AS directive_id,
           min(origin_kind) AS origin_kind, min(origin_id) AS origin_id,
           sum((status >= 1)::int - (old_status >= 1)::int) AS sent,
           sum((status >= 2)::int - (old_status >= 2)::int) AS delivered,
           sum((status >= 3)::int - (old_status >= 3)::int) AS read,
           sum((acked_at IS NOT NULL)::int - old_acked::int) AS acknowledged,
           sum((failed AND status < 2)::int - (old_failed AND old_status < 2)::int) AS failed
    FROM upd GROUP BY message_id, unit_id
), counted AS (
    -- INSERT ... ORDER BY locks counter rows in one global order, so writers cannot deadlock;
    -- the rows exist (the fan-out made them with the deliveries), the insert never happens.
    INSERT INTO reach_counters AS c (message_id, unit_id, directive_id, path, sent, delivered,
                                     read, acknowledged, failed, origin_kind, origin_id)
    SELECT x.message_id, x.unit_id, x.directive_id, ARRAY[x.unit_id], x.sent, x.delivered,
           x.read, x.acknowledged, x.failed, x.origin_kind, x.origin_id
    FROM deltas x
    WHERE x.sent <> 0 OR x.delivered <> 0 OR x.read <> 0 OR x.acknowledged <> 0 OR x.failed <> 0
    ORDER BY x.message_id, x.unit_id
    ON CONFLICT (message_id, unit_id) DO UPDATE SET
        sent = c.sent + excluded.sent, delivered = c.delivered + excluded.delivered,
        read = c.read + excluded.read, acknowledged = c.acknowledged + excluded.acknowledged,
        failed = c.failed + excluded.failed
)
-- Only first acknowledgements come back (a storm's plain receipts would be rows nobody reads).
SELECT id, message_id, directive_id, member_id, acked_at, ack_via, origin_kind,
       false AS delivered, NULL::bigint AS distinct_ids, NULL::bigint AS known,
       NULL::bigint AS changed
FROM upd WHERE acked_at IS NOT NULL AND NOT old_acked
UNION ALL
-- An alert's deliveries as they first reach the phone (its raise → delivered time is measured).
SELECT id, message_id, NULL, member_id, delivered_at, NULL, origin_kind, true, NULL, NULL, NULL
FROM upd WHERE origin_kind = 'alert' AND old_status < 2 AND status >= 2
UNION ALL
-- Always one summary row, even when nothing changed.
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM agg),
       (SELECT count(*) FROM old), (SELECT count(*) FROM upd)
"""


@dataclass(frozen=True, slots=True)
class Acknowledged:
    delivery_id: UUID
    message_id: UUID
    directive_id: UUID | None  # None: a delivery of another origin (nothing to announce)
    member_id: str
    at: datetime
    via: str
    origin_kind: str = "directive"  # an alert's: its officers' first acknowledgement takes it


@dataclass(frozen=True, slots=True)
class Applied:
    distinct: int  # deliveries named by the batch
    known: int  # of those, deliveries we have
    changed: int  # of those, deliveries that moved forward
    acknowledged: list[Acknowledged]
    # Deliveries of origin alert now delivered for the first time: (message, when).
    alert_delivered: list[tuple[UUID, datetime]] = field(default_factory=list)


async def apply(
    conn: Connection,
    ids: Sequence[UUID],
    codes: Sequence[int],
    at: Sequence[datetime],
    extra: Sequence[str | None],
) -> Applied:
    """Apply receipts (codes 1..3, FAILED with a failure reason) and acknowledgements (ACK with
    the way it came) to deliveries; returns what changed."""
    rows = await conn.fetch(_APPLY, ids, codes, at, extra)
    summary = next(r for r in rows if r["id"] is None)
    return Applied(
        distinct=summary["distinct_ids"],
        known=summary["known"],
        changed=summary["changed"],
        acknowledged=[
            Acknowledged(
                r["id"],
                r["message_id"],
                r["directive_id"],
                r["member_id"],
                r["acked_at"],
                r["ack_via"],
                r["origin_kind"],
            )
            for r in rows
            if r["id"] is not None and not r["delivered"]
        ],
        alert_delivered=[(r["message_id"], r["acked_at"]) for r in rows if r["delivered"]],
    )


_CANDIDATES = """
SELECT d.id, d.requested_at, d.ack_requested, d.acked_at IS NOT NULL AS acked, m.reply_code
FROM deliveries d JOIN messages m ON m.id = d.message_id
WHERE d.member_id = $1 AND (
    d.id = $2
    OR m.reply_code = ANY($3::text[])
    OR (d.requested_at >= $4 AND d.requested_at <= $5 AND d.ack_requested AND d.acked_at IS NULL))
"""


async def reply_candidates(
    conn: Connection,
    member_id: str,
    delivery_id: UUID | None,
    reply_codes: Sequence[str],
    since: datetime,
    until: datetime,
) -> list[Candidate]:
    """The member's deliveries a reply may acknowledge: the one it answers, those whose reply
    code it quotes, and those that asked for an acknowledgement between `since` and `until`."""
    rows = await conn.fetch(_CANDIDATES, member_id, delivery_id, list(reply_codes), since, until)
    return [
        Candidate(r["id"], r["requested_at"], r["ack_requested"], r["acked"], r["reply_code"])
        for r in rows
    ]


async def unacknowledged(
    conn: Connection, directive_id: UUID, member_id: str, message_id: UUID | None
) -> list[UUID]:
    """The member's unacknowledged deliveries of the directive that asked for an acknowledgement,
    or, with `message_id`, of that message."""
    rows = await conn.fetch(
        "SELECT id FROM deliveries WHERE directive_id = $1 AND member_id = $2 "
        "AND ($3::uuid IS NULL AND ack_requested OR message_id = $3) AND acked_at IS NULL",
        directive_id,
        member_id,
        message_id,
    )
    return [r["id"] for r in rows]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    delivery_id: UUID
    message_id: UUID
    via: str
    at: datetime


async def deliveries_to(
    db: asyncpg.Pool | Connection, directive_id: UUID, member_id: str, message_id: UUID | None
) -> list[UUID]:
    """The member's deliveries of the directive, or of one message of it."""
    rows = await db.fetch(
        "SELECT id FROM deliveries "
        "WHERE directive_id = $1 AND member_id = $2 AND ($3::uuid IS NULL OR message_id = $3)",
        directive_id,
        member_id,
        message_id,
    )
    return [r["id"] for r in rows]


async def acknowledgements(
    db: asyncpg.Pool | Connection, delivery_ids: Sequence[UUID]
) -> list[Acknowledgement]:
    """The acknowledged ones of these deliveries, in the order they were acknowledged."""
    rows = await db.fetch(
        "SELECT id, message_id, acked_at, ack_via FROM deliveries WHERE id = ANY($1::uuid[]) "
        "AND acked_at IS NOT NULL ORDER BY acked_at, id",
        list(delivery_ids),
    )
    return [Acknowledgement(r["id"], r["message_id"], r["ack_via"], r["acked_at"]) for r in rows]
