"""Reach queries: roll-ups of the counters along the unit paths, laggards, and the export rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from nazar_platform.db import Connection

from directive.domain.reach import Counts

_COUNTS = "targeted, sent, delivered, read, acknowledged, failed"
_SUMS = ", ".join(f"sum(c.{c})::int AS {c}" for c in _COUNTS.split(", "))

# Each counter row counts for every unit on its path; a scoped caller sees only the units inside
# one of its scope units (an SP: the district and what lies below it).
_ROLL_UP = f"""
SELECT p.unit_id, p.depth::int AS depth, {_SUMS}
FROM reach_counters c CROSS JOIN LATERAL unnest(c.path) WITH ORDINALITY AS p(unit_id, depth)
WHERE c.directive_id = $1
  AND ($2::uuid IS NULL OR c.message_id = $2)
  AND ($3::text[] IS NULL OR c.path[1:p.depth] && $3::text[])
  AND p.depth <= $4
GROUP BY p.unit_id, p.depth
"""


@dataclass(frozen=True, slots=True)
class UnitReach:
    unit_id: str
    depth: int
    counts: Counts


async def roll_up(
    conn: Connection,
    directive_id: UUID,
    *,
    message_id: UUID | None = None,
    scope: Sequence[str] | None = None,
    max_depth: int = 5,
) -> list[UnitReach]:
    rows = await conn.fetch(
        _ROLL_UP, directive_id, message_id, None if scope is None else list(scope), max_depth
    )
    return [
        UnitReach(r["unit_id"], r["depth"], Counts(*(r[c] for c in _COUNTS.split(", "))))
        for r in rows
    ]


# The same roll-up for a message of another origin (a story's circulation), found by its origin.
_ORIGIN_ROLL_UP = f"""
SELECT p.unit_id, p.depth::int AS depth, {_SUMS}
FROM reach_counters c CROSS JOIN LATERAL unnest(c.path) WITH ORDINALITY AS p(unit_id, depth)
WHERE c.origin_kind = $1 AND c.origin_id = $2 AND c.message_id = $3
  AND ($4::text[] IS NULL OR c.path[1:p.depth] && $4::text[])
  AND p.depth <= $5
GROUP BY p.unit_id, p.depth
"""


async def origin_roll_up(
    conn: Connection,
    origin_kind: str,
    origin_id: str,
    message_id: UUID,
    *,
    scope: Sequence[str] | None = None,
    max_depth: int = 5,
) -> list[UnitReach]:
    """Reach of one message of an origin per unit on its path, within `scope` (None: all)."""
    rows = await conn.fetch(
        _ORIGIN_ROLL_UP,
        origin_kind,
        origin_id,
        message_id,
        None if scope is None else list(scope),
        max_depth,
    )
    return [
        UnitReach(r["unit_id"], r["depth"], Counts(*(r[c] for c in _COUNTS.split(", "))))
        for r in rows
    ]


async def origin_recount(
    conn: Connection, origin_kind: str, origin_id: str
) -> dict[tuple[UUID, str], Counts]:
    """Counts per (message, unit) of an origin recomputed from its deliveries (for checks)."""
    rows = await conn.fetch(
        """SELECT message_id, unit_id, count(*)::int AS targeted,
                  count(*) FILTER (WHERE status >= 1)::int AS sent,
                  count(*) FILTER (WHERE status >= 2)::int AS delivered,
                  count(*) FILTER (WHERE status >= 3)::int AS read,
                  count(*) FILTER (WHERE acked_at IS NOT NULL)::int AS acknowledged,
                  count(*) FILTER (WHERE failed AND status < 2)::int AS failed
           FROM deliveries d
           WHERE d.message_id IN (SELECT id FROM messages
                                  WHERE origin_kind = $1 AND origin_id = $2)
           GROUP BY message_id, unit_id""",
        origin_kind,
        origin_id,
    )
    return {
        (r["message_id"], r["unit_id"]): Counts(*(r[c] for c in _COUNTS.split(", "))) for r in rows
    }


async def per_message(
    conn: Connection, directive_id: UUID, scope: Sequence[str] | None = None
) -> dict[UUID, Counts]:
    rows = await conn.fetch(
        f"SELECT c.message_id, {_SUMS} FROM reach_counters c WHERE c.directive_id = $1 "
        "AND ($2::text[] IS NULL OR c.path && $2::text[]) GROUP BY c.message_id",
        directive_id,
        None if scope is None else list(scope),
    )
    return {r["message_id"]: Counts(*(r[c] for c in _COUNTS.split(", "))) for r in rows}


async def recount(conn: Connection, directive_id: UUID) -> dict[tuple[UUID, str], Counts]:
    """Counts per (message, unit) recomputed from the deliveries themselves (for checks)."""
    rows = await conn.fetch(
        """SELECT message_id, unit_id, count(*)::int AS targeted,
                  count(*) FILTER (WHERE status >= 1)::int AS sent,
                  count(*) FILTER (WHERE status >= 2)::int AS delivered,
                  count(*) FILTER (WHERE status >= 3)::int AS read,
                  count(*) FILTER (WHERE acked_at IS NOT NULL)::int AS acknowledged,
                  count(*) FILTER (WHERE failed AND status < 2)::int AS failed
           FROM deliveries WHERE directive_id = $1 GROUP BY message_id, unit_id""",
        directive_id,
    )
    return {
        (r["message_id"], r["unit_id"]): Counts(*(r[c] for c in _COUNTS.split(", "))) for r in rows
    }


async def counters(conn: Connection, directive_id: UUID) -> dict[tuple[UUID, str], Counts]:
    rows = await conn.fetch(
        f"SELECT message_id, unit_id, {_COUNTS} FROM reach_counters WHERE directive_id = $1",
        directive_id,
    )
    return {
        (r["message_id"], r["unit_id"]): Counts(*(r[c] for c in _COUNTS.split(", "))) for r in rows
    }


@dataclass(frozen=True, slots=True)
class CircleAck:
    circle_id: str
    district_id: str
    relayed_at: datetime
    stage: int
    targeted: int
    acknowledged: int
    fanned_out: bool  # the relay's fan-out job has finished
    waiting: int = 0  # deliveries neither sent nor failed yet
    clock_from: datetime | None = None
    held: bool = False


async def circle_acks(
    conn: Connection, directive_id: UUID, message_id: UUID, *, due_before: datetime | None = None
) -> list[CircleAck]:
    """Each relayed circle's recipients and acknowledgements of `message_id` (the original)."""
    rows = await conn.fetch(
        """SELECT rc.circle_id, rc.district_id, rc.relayed_at, rc.stage,
                  coalesce(sum(c.targeted), 0)::int AS targeted,
                  coalesce(sum(c.acknowledged), 0)::int AS acknowledged,
                  bool_and(j.finished_at IS NOT NULL) AS fanned_out,
                  greatest(coalesce(sum(c.targeted - c.sent - c.failed), 0), 0)::int AS waiting,
                  rc.clock_from, rc.held
           FROM relayed_circles rc
           LEFT JOIN jobs j ON j.id = rc.relay_id
           LEFT JOIN reach_counters c ON c.message_id = $2 AND rc.circle_id = ANY(c.path)
           WHERE rc.directive_id = $1 AND ($3::timestamptz IS NULL OR rc.relayed_at <= $3)
           GROUP BY rc.circle_id, rc.district_id, rc.relayed_at, rc.stage, rc.clock_from, rc.held
           ORDER BY rc.circle_id""",
        directive_id,
        message_id,
        due_before,
    )
    return [CircleAck(**dict(r)) for r in rows]


async def unit_names(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, kind, name_hi, name_en, parent_id FROM units WHERE id = ANY($1::text[])",
        list(ids),
    )
    return {r["id"]: dict(r) for r in rows}


_MEMBER_ROWS = """
SELECT d.member_id, mb.name_hi, mb.name_latin, mb.roles, d.unit_id, m.kind AS message_kind,
       m.seq, m.title_hi, m.title_en, d.id AS delivery_id, d.requested_at, d.sent_at,
       d.delivered_at, d.read_at, d.acked_at, d.ack_via, d.failed_at, d.failure, d.status, d.failed
FROM deliveries d
JOIN messages m ON m.id = d.message_id
LEFT JOIN members mb ON mb.id = d.member_id
WHERE d.directive_id = $1
  AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM reach_counters c
       WHERE c.message_id = d.message_id AND c.unit_id = d.unit_id AND c.path && $2::text[]))
ORDER BY m.seq, d.unit_id, d.member_id
"""


async def member_rows(
    conn: Connection, directive_id: UUID, scope: Sequence[str] | None, chunk: int = 2000
) -> AsyncIterator[list[dict[str, Any]]]:
    """Per-member rows of a directive for the export, streamed in chunks (needs a transaction)."""
    cursor = conn.cursor(_MEMBER_ROWS, directive_id, None if scope is None else list(scope))
    batch: list[dict[str, Any]] = []
    async for row in cursor:
        batch.append(dict(row))
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


# Operators' view of the last day (the reach dashboard): every directive issued since $1, summed by
# district and by circle. A counter row counts for each unit on its path, as in the roll-up.
_BY_AREA = f"""
SELECT u.kind, u.id, coalesce(u.name_en, u.id) AS name,
       (SELECT coalesce(a.name_en, a.id) FROM units a
        WHERE a.id = ANY(u.path) AND a.kind = 'district' LIMIT 1) AS district,
       {_SUMS}
FROM directives d
JOIN reach_counters c ON c.directive_id = d.id
CROSS JOIN LATERAL unnest(c.path) AS p(unit_id)
JOIN units u ON u.id = p.unit_id AND u.kind IN ('district', 'circle')
WHERE d.issued_at >= $1
GROUP BY u.kind, u.id, u.name_en, u.path
"""

# (directive, circle) pairs asking for acknowledgements whose acknowledged share is under the
# directive's threshold: what the acknowledgement escalation acts on, counted for the dashboard.
_UNDER_THRESHOLD = """
SELECT count(*)::int FROM (
    SELECT d.id, p.unit_id, d.ack_threshold,
           sum(c.targeted) AS targeted, sum(c.acknowledged) AS acknowledged
    FROM directives d
    JOIN reach_counters c ON c.directive_id = d.id
    CROSS JOIN LATERAL unnest(c.path) AS p(unit_id)
    JOIN units u ON u.id = p.unit_id AND u.kind = 'circle'
    WHERE d.issued_at >= $1 AND d.ack_required AND d.state <> 'closed'
    GROUP BY d.id, p.unit_id, d.ack_threshold
) per_circle
WHERE targeted > 0 AND acknowledged < ack_threshold * targeted
"""


@dataclass(frozen=True, slots=True)
class AreaReach:
    kind: str  # district | circle
    unit_id: str
    name: str
    district: str  # the district's name; a district's own for a district
    counts: Counts


async def by_area_since(conn: Connection, since: datetime) -> list[AreaReach]:
    rows = await conn.fetch(_BY_AREA, since)
    return [
        AreaReach(
            r["kind"],
            r["id"],
            r["name"],
            r["district"] or r["name"],
            Counts(*(r[c] for c in _COUNTS.split(", "))),
        )
        for r in rows
    ]


async def circles_under_threshold_since(conn: Connection, since: datetime) -> int:
    found: int = await conn.fetchval(_UNDER_THRESHOLD, since)
    return found


# Flash directives a minute or more old whose fan-out has not asked for a single delivery yet (a
# job still open, none requested): the fan-out is stuck or far behind (NazarFlashNotFannedOut).
_FLASH_WAITING = """
SELECT count(*)::int FROM directives d
WHERE d.priority = 'flash' AND d.state = 'active' AND d.first_request_at IS NULL
  AND d.issued_at >= $1 AND d.issued_at < $2
  AND EXISTS (SELECT 1 FROM jobs j WHERE j.directive_id = d.id AND j.finished_at IS NULL)
"""


async def flash_waiting(conn: Connection, since: datetime, issued_before: datetime) -> int:
    found: int = await conn.fetchval(_FLASH_WAITING, since, issued_before)
    return found
