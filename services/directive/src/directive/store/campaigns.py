"""SQL of campaigns' tracked links: one per (campaign, circle), the redirect and its count.

Counts only: a link row holds its code, its target and how often people opened it. Nothing of who
opened it (address, user agent, device, time) is written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection


@dataclass(frozen=True, slots=True)
class LinkRow:
    circle_id: str
    district_id: str
    code: str
    opens: int


async def insert_links(
    conn: Connection,
    directive_id: UUID,
    district_id: str,
    codes: dict[str, str],
    target_url: str,
    now: datetime,
) -> None:
    """A link per circle (`codes`: circle → code); a circle that has one keeps it, and a code
    that happens to be taken already is skipped (the caller finds the circle still without one)."""
    await conn.execute(
        "INSERT INTO campaign_links (directive_id, circle_id, district_id, code, target_url, "
        "created_at) SELECT $1, c.circle_id, $2, c.code, $3, $4 "
        "FROM unnest($5::text[], $6::text[]) AS c(circle_id, code) "
        "ORDER BY c.circle_id ON CONFLICT DO NOTHING",
        directive_id,
        district_id,
        target_url,
        now,
        list(codes),
        list(codes.values()),
    )


async def circles_with_links(
    conn: Connection, directive_id: UUID, circles: Sequence[str]
) -> set[str]:
    rows = await conn.fetch(
        "SELECT circle_id FROM campaign_links WHERE directive_id = $1 "
        "AND circle_id = ANY($2::text[])",
        directive_id,
        list(circles),
    )
    return {r["circle_id"] for r in rows}


async def links_by_unit(
    db: asyncpg.Pool | Connection, directive_id: UUID, circles: Sequence[str]
) -> dict[str, str]:
    """The code of the link of every unit at or below the given circles (a relay's fan-out
    counts each member at such a unit)."""
    rows = await db.fetch(
        "SELECT u.id, l.code FROM campaign_links l JOIN units u ON l.circle_id = ANY(u.path) "
        "WHERE l.directive_id = $1 AND l.circle_id = ANY($2::text[])",
        directive_id,
        list(circles),
    )
    return {r["id"]: r["code"] for r in rows}


async def open_link(pool: asyncpg.Pool, code: str) -> str | None:
    """Count one open and answer the target, in one statement: concurrent opens of one link
    each add one (the row lock orders them), none is lost. None: no such link."""
    found = await pool.fetchval(
        "UPDATE campaign_links SET opens = opens + 1 WHERE code = $1 RETURNING target_url", code
    )
    return None if found is None else str(found)


async def target(pool: asyncpg.Pool, code: str) -> str | None:
    """The target without counting (a preview fetcher, a HEAD request)."""
    found = await pool.fetchval("SELECT target_url FROM campaign_links WHERE code = $1", code)
    return None if found is None else str(found)


async def links_of(db: asyncpg.Pool | Connection, directive_id: UUID) -> list[LinkRow]:
    rows = await db.fetch(
        "SELECT circle_id, district_id, code, opens FROM campaign_links WHERE directive_id = $1 "
        "ORDER BY district_id, circle_id",
        directive_id,
    )
    return [LinkRow(**dict(r)) for r in rows]
