"""SQL of the scheduler: which directives have a deadline due, and how many are in each state."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg


async def overdue_relays(pool: asyncpg.Pool, now: datetime) -> list[UUID]:
    """Active directives with a district not relayed by the relay deadline, not yet marked."""
    rows = await pool.fetch(
        """SELECT DISTINCT d.id FROM directives d
           JOIN directive_districts x ON x.directive_id = d.id
           WHERE d.state = 'active' AND d.relay_deadline <= $1
             AND x.relayed_at IS NULL AND x.overdue_at IS NULL""",
        now,
    )
    return [r["id"] for r in rows]


async def circles_to_check(pool: asyncpg.Pool, now: datetime) -> list[UUID]:
    """Active directives with a relayed circle whose acknowledgement window has passed, or held
    (checked at every tick until its members are reached)."""
    rows = await pool.fetch(
        """SELECT DISTINCT d.id FROM directives d JOIN relayed_circles rc ON rc.directive_id = d.id
           WHERE d.state = 'active' AND d.ack_required AND rc.stage IN (0, 1)
             AND (rc.held OR coalesce(rc.clock_from, rc.relayed_at)
                                 + d.ack_window * (rc.stage + 1) <= $1)""",
        now,
    )
    return [r["id"] for r in rows]


async def expired(pool: asyncpg.Pool, now: datetime) -> list[UUID]:
    rows = await pool.fetch(
        "SELECT id FROM directives WHERE state <> 'closed' AND expires_at <= $1", now
    )
    return [r["id"] for r in rows]


async def count_by_state(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT state, count(*) AS n FROM directives GROUP BY state")
    return {r["state"]: r["n"] for r in rows}
