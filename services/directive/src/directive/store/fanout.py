"""SQL of the fan-out: a job's audience in member-id order, deliveries and counters per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection

from directive.domain.audience import COMMAND_ROLES

_COMMAND = sorted(COMMAND_ROLES)


@dataclass(frozen=True, slots=True)
class Job:
    id: UUID
    directive_id: UUID
    kind: str
    message_ids: list[UUID]
    has_snapshot: bool
    source_message_id: UUID | None
    scope_units: list[str] | None
    roles: list[str] | None
    note: str | None
    cursor: str
    requested: int
    created_at: datetime
    finished: bool
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class Recipient:
    member_id: str
    unit_id: str
    language: str | None


@dataclass(frozen=True, slots=True)
class Written:
    """A delivery this job owns in the batch: new now, or left unpublished by a crashed run."""

    id: UUID
    message_id: UUID
    member_id: str
    requested_at: datetime


async def load_job(conn: Connection, job_id: UUID) -> Job | None:
    row = await conn.fetchrow(
        "SELECT j.id, j.directive_id, j.kind, j.message_ids, "
        "j.member_ids IS NOT NULL AS has_snapshot, j.source_message_id, j.scope_units, j.roles, "
        "j.note, j.cursor, j.requested, j.created_at, j.finished_at IS NOT NULL AS finished, "
        "d.issued_at FROM jobs j JOIN directives d ON d.id = j.directive_id WHERE j.id = $1",
        job_id,
    )
    return None if row is None else Job(**dict(row))


async def unfinished_jobs(conn: Connection) -> list[UUID]:
    rows = await conn.fetch("SELECT id FROM jobs WHERE finished_at IS NULL ORDER BY created_at")
    return [r["id"] for r in rows]


# The recipient is counted under the posting inside the job's scope (the relayed circles) when
# there is one, else under the first posting.
_LEAF = """
CASE WHEN cardinality(m.unit_ids) = 1 OR $4::text[] IS NULL THEN m.unit_ids[1]
ELSE coalesce(
    (SELECT p.uid FROM unnest(m.unit_ids) WITH ORDINALITY AS p(uid, n)
     JOIN units u ON u.id = p.uid WHERE u.path && $4::text[] ORDER BY p.n LIMIT 1),
    m.unit_ids[1])
END
"""

_SNAPSHOT_AUDIENCE = f"""
SELECT a.member_id, m.language, coalesce({_LEAF}, '') AS unit_id
FROM jobs j CROSS JOIN LATERAL unnest(j.member_ids) AS a(member_id)
JOIN members m ON m.id = a.member_id
WHERE j.id = $1 AND a.member_id > $2 AND m.reachable
  AND ($5::text[] IS NULL OR m.roles && $5::text[] OR m.roles && $6::text[])
ORDER BY a.member_id
LIMIT $3
"""

# Updates and cancellations reach everyone who got the original, counted where they were then.
_SOURCE_AUDIENCE = """
SELECT d.member_id, m.language, d.unit_id
FROM deliveries d JOIN members m ON m.id = d.member_id
WHERE d.message_id = $1 AND d.member_id > $2 AND m.reachable
ORDER BY d.member_id
LIMIT $3
"""


async def audience_batch(conn: Connection, job: Job, limit: int) -> list[Recipient]:
    if job.has_snapshot:
        rows = await conn.fetch(
            _SNAPSHOT_AUDIENCE, job.id, job.cursor, limit, job.scope_units, job.roles, _COMMAND
        )
    elif job.source_message_id is not None:
        rows = await conn.fetch(_SOURCE_AUDIENCE, job.source_message_id, job.cursor, limit)
    else:
        rows = []
    return [Recipient(r["member_id"], r["unit_id"], r["language"]) for r in rows]


_INSERT = """
WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::boolean[])
        AS i(id, message_id, member_id, unit_id, ack_requested)
), ins AS (
    INSERT INTO deliveries (id, message_id, directive_id, member_id, job_id, unit_id,
                            ack_requested, requested_at)
    SELECT id, message_id, $6, member_id, $7, unit_id, ack_requested, $8 FROM input
    ON CONFLICT (id) DO NOTHING
    RETURNING id, message_id, member_id, unit_id
), counted AS (
    INSERT INTO reach_counters AS c (message_id, unit_id, directive_id, path, targeted)
    SELECT ins.message_id, ins.unit_id, $6,
           coalesce((SELECT u.path FROM units u WHERE u.id = ins.unit_id), ARRAY[ins.unit_id]),
           count(*)
    FROM ins GROUP BY ins.message_id, ins.unit_id ORDER BY ins.message_id, ins.unit_id
    ON CONFLICT (message_id, unit_id) DO UPDATE SET targeted = c.targeted + excluded.targeted
)
SELECT id, message_id, member_id, $8::timestamptz AS requested_at FROM ins
UNION ALL
-- Rows this job inserted in a run that died before Kafka acknowledged them: publish them again.
SELECT d.id, d.message_id, d.member_id, d.requested_at FROM deliveries d
WHERE d.id = ANY($1::uuid[]) AND d.job_id = $7
"""


async def insert_deliveries(
    conn: Connection,
    job: Job,
    ids: Sequence[UUID],
    message_ids: Sequence[UUID],
    member_ids: Sequence[str],
    unit_ids: Sequence[str],
    ack_requested: Sequence[bool],
    now: datetime,
) -> list[Written]:
    rows: list[asyncpg.Record] = await conn.fetch(
        _INSERT,
        ids,
        message_ids,
        member_ids,
        unit_ids,
        ack_requested,
        job.directive_id,
        job.id,
        now,
    )
    return [Written(r["id"], r["message_id"], r["member_id"], r["requested_at"]) for r in rows]


async def advance(
    conn: Connection, job_id: UUID, directive_id: UUID, cursor: str, requested: int, at: datetime
) -> None:
    """Record that everything up to `cursor` is on Kafka."""
    await conn.execute(
        "UPDATE jobs SET cursor = $2, requested = requested + $3 WHERE id = $1 AND cursor < $2",
        job_id,
        cursor,
        requested,
    )
    if requested:
        await conn.execute(
            "UPDATE directives SET first_request_at = coalesce(first_request_at, $2), "
            "last_request_at = greatest(last_request_at, $2) WHERE id = $1",
            directive_id,
            at,
        )


async def finish(conn: Connection, job_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE jobs SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL", job_id, at
    )


@dataclass(frozen=True, slots=True)
class MessageInfo:
    id: UUID
    directive_id: UUID
    kind: str
    priority: str
    title_hi: str | None
    body_hi: str | None
    title_en: str | None
    body_en: str | None
    ack_requested: bool
    reply_code: str
    expires_at: datetime


async def load_messages(conn: Connection, ids: Sequence[UUID]) -> list[MessageInfo]:
    rows = await conn.fetch(
        "SELECT m.id, m.directive_id, m.kind, d.priority, m.title_hi, m.body_hi, m.title_en, "
        "m.body_en, m.ack_requested, m.reply_code, d.expires_at "
        "FROM messages m JOIN directives d ON d.id = m.directive_id "
        "WHERE m.id = ANY($1::uuid[]) ORDER BY m.seq",
        list(ids),
    )
    return [MessageInfo(**dict(r)) for r in rows]
