"""SQL of the fan-out: a job's audience in member-id order, deliveries and counters per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nazar_platform.db import Connection

from directive.domain.audience import COMMAND_ROLES
from directive.domain.model import MessageInfo


@dataclass(frozen=True, slots=True)
class Job:
    id: UUID
    directive_id: UUID | None  # None: a job of another origin
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
    issued_at: datetime  # the directive's issue, or the job's creation for another origin
    attempts: int
    origin_kind: str = "directive"
    origin_id: str = ""


@dataclass(frozen=True, slots=True)
class Written:
    """A delivery this job owns in the batch: new now, or left unpublished by a crashed run."""

    id: UUID
    message_id: UUID
    member_id: str
    language: str | None
    key_hash: int
    requested_at: datetime
    unit_id: str | None = None  # where the delivery is counted (a campaign's link follows it)


@dataclass(frozen=True, slots=True)
class Batch:
    written: list[Written]  # in member order, each member's messages in their order
    cursor: str | None  # the last member id of the batch; None when the audience is exhausted
    recipients: int


async def start_job(conn: Connection, job_id: UUID) -> Job | None:
    """The job, counting this run as an attempt (a run after a crash must look for what the
    crashed run wrote but never saw on Kafka)."""
    row = await conn.fetchrow(
        "WITH j AS (UPDATE jobs SET attempts = attempts + 1 WHERE id = $1 AND finished_at IS NULL "
        "RETURNING *) "
        "SELECT j.id, j.directive_id, j.kind, j.message_ids, "
        "j.member_ids IS NOT NULL AS has_snapshot, j.source_message_id, j.scope_units, j.roles, "
        "j.note, j.cursor, j.requested, j.created_at, false AS finished, "
        "coalesce(d.issued_at, j.created_at) AS issued_at, j.attempts, j.origin_kind, j.origin_id "
        "FROM j LEFT JOIN directives d ON d.id = j.directive_id",
        job_id,
    )
    if row is None:
        done = await conn.fetchval("SELECT true FROM jobs WHERE id = $1", job_id)
        if done:
            return _FINISHED
        return None
    return Job(**dict(row))


# What start_job answers for a job that exists and is finished.
_FINISHED = Job(
    id=UUID(int=0),
    directive_id=UUID(int=0),
    kind="",
    message_ids=[],
    has_snapshot=False,
    source_message_id=None,
    scope_units=None,
    roles=None,
    note=None,
    cursor="",
    requested=0,
    created_at=datetime.min,
    finished=True,
    issued_at=datetime.min,
    attempts=0,
)


async def unfinished_jobs(
    conn: Connection, origin_kinds: Sequence[str] | None = None
) -> list[UUID]:
    """Unfinished jobs, oldest first; of these origin kinds when given."""
    rows = await conn.fetch(
        "SELECT id FROM jobs WHERE finished_at IS NULL "
        "AND ($1::text[] IS NULL OR origin_kind = ANY($1::text[])) ORDER BY created_at, id",
        None if origin_kinds is None else [str(k) for k in origin_kinds],
    )
    return [r["id"] for r in rows]


# The recipient is counted under the posting inside the job's scope (the relayed circles) when
# there is one, else under the first (primary) posting.
_LEAF = """
CASE WHEN cardinality(m.unit_ids) = 1 OR $4::text[] IS NULL THEN m.unit_ids[1]
ELSE coalesce(
    (SELECT p.uid FROM unnest(m.unit_ids) WITH ORDINALITY AS p(uid, n)
     JOIN units u ON u.id = p.uid WHERE u.path && $4::text[] ORDER BY p.n LIMIT 1),
    m.unit_ids[1])
END
"""

# A job with an audience snapshot: the members as they were when it was created, skipping those
# who may not be messaged now (inactive, consent withdrawn), within the role filter.
_SNAPSHOT_BATCH = f"""
SELECT a.member_id, m.language, m.key_hash, coalesce({_LEAF}, '') AS unit_id
FROM jobs j CROSS JOIN LATERAL unnest(j.member_ids) AS a(member_id)
JOIN members m ON m.id = a.member_id
WHERE j.id = $1 AND a.member_id > $2 AND m.reachable
  AND ($5::text[] IS NULL OR m.roles && $5::text[] OR m.roles && $6::text[])
ORDER BY a.member_id
LIMIT $3
"""
_SNAPSHOT_PARAMS = 6

# Updates and cancellations reach everyone who got the original, counted where they were then.
_SOURCE_BATCH = """
SELECT d.member_id, m.language, m.key_hash, d.unit_id
FROM deliveries d JOIN members m ON m.id = d.member_id
WHERE d.message_id = $1 AND d.member_id > $2 AND m.reachable
ORDER BY d.member_id
LIMIT $3
"""
_SOURCE_PARAMS = 3

# One statement per batch: the audience, the delivery ids (uuid-ossp, as the contract computes
# them), the inserts in id order (concurrent jobs sharing members cannot deadlock), the counters,
# and what to publish: new deliveries, and this job's deliveries left unpublished by a crashed run.
_TAIL = """
, planned AS (
    SELECT uuid_generate_v5(${ns}::uuid, msg.id::text || ':' || b.member_id) AS id,
           msg.id AS message_id, msg.seq, msg.ack AS ack_requested,
           b.member_id, b.unit_id, b.language, b.key_hash
    FROM batch b
    CROSS JOIN unnest(${msgs}::uuid[], ${acks}::boolean[]) WITH ORDINALITY AS msg(id, ack, seq)
), ins AS (
    INSERT INTO deliveries (id, message_id, directive_id, member_id, job_id, unit_id,
                            ack_requested, requested_at, origin_kind, origin_id)
    SELECT id, message_id, ${directive}::uuid, member_id, ${job}, unit_id, ack_requested, ${now},
           ${okind}, ${oid}
    FROM planned ORDER BY id
    ON CONFLICT (id) DO NOTHING
    RETURNING id, message_id, unit_id
), counted AS (
    INSERT INTO reach_counters AS c (message_id, unit_id, directive_id, path, targeted,
                                     origin_kind, origin_id)
    SELECT ins.message_id, ins.unit_id, ${directive}::uuid,
           coalesce((SELECT u.path FROM units u WHERE u.id = ins.unit_id), ARRAY[ins.unit_id]),
           count(*), ${okind}::text, ${oid}::text
    FROM ins GROUP BY ins.message_id, ins.unit_id ORDER BY ins.message_id, ins.unit_id
    ON CONFLICT (message_id, unit_id) DO UPDATE SET targeted = c.targeted + excluded.targeted
)
SELECT * FROM (
    SELECT p.id, p.message_id, p.member_id, p.language, p.key_hash, p.seq,
           ${now}::timestamptz AS requested_at, p.unit_id
    FROM planned p WHERE p.id IN (SELECT id FROM ins)
    UNION ALL
    SELECT p.id, p.message_id, p.member_id, p.language, p.key_hash, p.seq, d.requested_at,
           d.unit_id
    FROM planned p JOIN deliveries d ON d.id = p.id
    WHERE ${resumed}::boolean AND d.job_id = ${job}
) AS out
UNION ALL
SELECT NULL, NULL, (SELECT max(member_id) FROM batch), NULL, NULL,
       (SELECT count(*) FROM batch)::bigint, NULL, NULL
"""


def _statement(batch_sql: str, first: int) -> str:
    names = ("ns", "msgs", "acks", "directive", "job", "now", "resumed", "okind", "oid")
    numbers = {n: f"{first + i}" for i, n in enumerate(names)}
    return "WITH batch AS (" + batch_sql + ")" + _TAIL.format(**numbers)


_SNAPSHOT_STATEMENT = _statement(_SNAPSHOT_BATCH, _SNAPSHOT_PARAMS + 1)
_SOURCE_STATEMENT = _statement(_SOURCE_BATCH, _SOURCE_PARAMS + 1)


async def fan_out_batch(
    conn: Connection,
    job: Job,
    cursor: str,
    limit: int,
    ack_requested: Sequence[bool],
    namespace: UUID,
    now: datetime,
) -> Batch:
    resumed = job.attempts > 1
    tail = (
        namespace,
        job.message_ids,
        list(ack_requested),
        job.directive_id,
        job.id,
        now,
        resumed,
        job.origin_kind,
        job.origin_id,
    )
    if job.has_snapshot:
        rows = await conn.fetch(
            _SNAPSHOT_STATEMENT,
            job.id,
            cursor,
            limit,
            job.scope_units,
            job.roles,
            sorted(COMMAND_ROLES),
            *tail,
        )
    elif job.source_message_id is not None:
        rows = await conn.fetch(_SOURCE_STATEMENT, job.source_message_id, cursor, limit, *tail)
    else:
        return Batch([], None, 0)
    summary = next(r for r in rows if r["id"] is None)
    written = sorted(
        (r for r in rows if r["id"] is not None), key=lambda r: (r["member_id"], r["seq"])
    )
    return Batch(
        [
            Written(
                r["id"],
                r["message_id"],
                r["member_id"],
                r["language"],
                r["key_hash"],
                r["requested_at"],
                r["unit_id"],
            )
            for r in written
        ],
        summary["member_id"],
        summary["seq"],
    )


async def advance(
    conn: Connection,
    job_id: UUID,
    directive_id: UUID | None,
    cursor: str,
    requested: int,
    at: datetime,
) -> None:
    """Record that everything up to `cursor` is on Kafka."""
    await conn.execute(
        "UPDATE jobs SET cursor = $2, requested = requested + $3 WHERE id = $1 AND cursor < $2",
        job_id,
        cursor,
        requested,
    )
    if requested and directive_id is not None:
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


async def load_messages(conn: Connection, ids: Sequence[UUID]) -> list[MessageInfo]:
    rows = await conn.fetch(
        "SELECT m.id, m.directive_id, m.kind, coalesce(d.priority, m.priority) AS priority, "
        "m.title_hi, m.body_hi, m.title_en, m.body_en, m.ack_requested, m.reply_code, "
        "coalesce(d.expires_at, m.expires_at) AS expires_at, m.origin_kind, m.origin_id, "
        "d.public_post_url AS post_url "
        "FROM messages m LEFT JOIN directives d ON d.id = m.directive_id "
        "WHERE m.id = ANY($1::uuid[]) ORDER BY m.seq",
        list(ids),
    )
    return [MessageInfo(**dict(r)) for r in rows]
