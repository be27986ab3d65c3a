"""SQL of fan-out jobs as the use cases create them (the fan-out's own is in store/fanout.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from nazar_platform.db import Connection

from directive.domain.model import Origin


async def insert_job(
    conn: Connection,
    job_id: UUID,
    directive_id: UUID | None,
    kind: str,
    message_ids: Sequence[UUID],
    at: datetime,
    *,
    member_ids: Sequence[str] | None = None,
    source_message_id: UUID | None = None,
    scope_units: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    note: str | None = None,
    origin: Origin | None = None,
) -> None:
    """A fan-out job; its origin is the directive unless `origin` names another."""
    if origin is None and directive_id is not None:
        origin = Origin.directive(directive_id)
    if origin is None:
        raise ValueError("a job belongs to a directive or names its origin")
    await conn.execute(
        "INSERT INTO jobs (id, directive_id, kind, message_ids, member_ids, source_message_id, "
        "scope_units, roles, note, created_at, origin_kind, origin_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        job_id,
        directive_id,
        kind,
        list(message_ids),
        None if member_ids is None else sorted(set(member_ids)),
        source_message_id,
        None if scope_units is None else list(scope_units),
        None if roles is None else list(roles),
        note,
        at,
        str(origin.kind),
        origin.id,
    )


async def job_recipients(conn: Connection, job_id: UUID) -> int:
    """How many members a job's audience snapshot holds."""
    found = await conn.fetchval("SELECT cardinality(member_ids) FROM jobs WHERE id = $1", job_id)
    return int(found or 0)
