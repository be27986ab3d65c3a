"""SQL of the portfolio's shared quota: members sent a template, and when last. Functions take a
connection and never commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from nazar_platform.db import Connection


async def add(conn: Connection, members: Mapping[str, datetime]) -> None:
    """Count these members (a member already counted keeps the later time)."""
    if not members:
        return
    await conn.execute(
        """INSERT INTO quota_recipients (member_id, last_at)
           SELECT * FROM unnest($1::text[], $2::timestamptz[])
           ON CONFLICT (member_id)
           DO UPDATE SET last_at = greatest(quota_recipients.last_at, EXCLUDED.last_at)""",
        list(members),
        list(members.values()),
    )


async def count(conn: Connection, since: datetime) -> int:
    value = await conn.fetchval("SELECT count(*) FROM quota_recipients WHERE last_at > $1", since)
    return int(value or 0)


async def recipients(conn: Connection, since: datetime) -> list[tuple[str, datetime]]:
    """Every counted member with their latest send (rebuilds an instance's quota at startup)."""
    rows = await conn.fetch(
        "SELECT member_id, last_at FROM quota_recipients WHERE last_at > $1", since
    )
    return [(r["member_id"], r["last_at"]) for r in rows]


async def prune(conn: Connection, before: datetime) -> int:
    """Forget members whose last send left the rolling day."""
    status = await conn.execute("DELETE FROM quota_recipients WHERE last_at <= $1", before)
    return int(status.split()[-1])
