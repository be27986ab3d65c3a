"""SQL of stories' circulations (the messages, jobs and deliveries are the fan-out's own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection


@dataclass(frozen=True, slots=True)
class CirculationRow:
    story_id: str
    message_id: UUID
    kind: str
    scope: str
    district_id: str
    range_id: str | None
    circles: list[str]
    recipients: int
    approved_by: str
    approved_at: datetime
    created_at: datetime


_COLUMNS = (
    "story_id, message_id, kind, scope, district_id, range_id, circles, recipients, "
    "approved_by, approved_at, created_at"
)


async def insert_circulation(conn: Connection, c: CirculationRow) -> bool:
    """False when the story already has its circulation (nothing is written then)."""
    status = await conn.execute(
        f"INSERT INTO circulations ({_COLUMNS}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (story_id) DO NOTHING",
        *(getattr(c, name.strip()) for name in _COLUMNS.split(",")),
    )
    return bool(status == "INSERT 0 1")


async def circulation(db: asyncpg.Pool | Connection, story_id: str) -> CirculationRow | None:
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM circulations WHERE story_id = $1", story_id)
    return None if row is None else CirculationRow(**dict(row))


async def job_finished(db: asyncpg.Pool | Connection, job_id: UUID) -> bool:
    return bool(await db.fetchval("SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", job_id))
