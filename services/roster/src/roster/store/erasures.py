"""Erasure requests and the read models' confirmations in SQL (migration 021)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
from nazar_platform.db import Connection

from roster.store import Db

_COLUMNS = """r.request_id, r.member_id, r.units, r.reason, r.status, r.requested_by,
    r.requested_at, r.decided_by, r.decided_at, r.decision_note, m.erased_at,
    coalesce(m.name_hi, '') AS name_hi, coalesce(m.name_latin, '') AS name_latin,
    coalesce(q.name_hi, q.name_latin, '') AS requested_by_name,
    coalesce(d.name_hi, d.name_latin, '') AS decided_by_name"""
_FROM = """erasure_requests r JOIN members m ON m.member_id = r.member_id
    LEFT JOIN members q ON q.member_id = r.requested_by
    LEFT JOIN members d ON d.member_id = r.decided_by"""


async def units_above(conn: Db, member_id: str) -> list[str]:
    """Every unit on the paths of the member's postings (the member's offices, up to PHQ)."""
    rows = await conn.fetch(
        """SELECT DISTINCT unnest(u.path) AS unit_id FROM postings p
           JOIN units u ON u.unit_id = p.unit_id WHERE p.member_id = $1""",
        member_id,
    )
    return sorted(r["unit_id"] for r in rows)


async def create(
    conn: Connection, request_id: str, member_id: str, units: Sequence[str], reason: str,
    requested_by: str,
) -> bool:  # fmt: skip
    """False when the member already has an open request."""
    status = await conn.execute(
        """INSERT INTO erasure_requests (request_id, member_id, units, reason, requested_by)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member_id) WHERE status = 'requested'
           DO NOTHING""",
        request_id, member_id, list(units), reason, requested_by,
    )  # fmt: skip
    return status.endswith(" 1")


async def get(conn: Db, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.request_id = $1", request_id
    )


async def lock(conn: Connection, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM erasure_requests WHERE request_id = $1 FOR UPDATE", request_id
    )


async def decide(
    conn: Connection, request_id: str, status: str, decided_by: str, note: str | None
) -> None:
    await conn.execute(
        """UPDATE erasure_requests SET status = $2, decided_by = $3, decided_at = now(),
                  decision_note = $4
           WHERE request_id = $1 AND status = 'requested'""",
        request_id, status, decided_by, note,
    )  # fmt: skip


async def listed(
    conn: Db, *, scope: Sequence[str] | None, member_id: str | None,
    after: tuple[datetime, str] | None, limit: int,
) -> list[asyncpg.Record]:  # fmt: skip
    """Newest first; `scope`: units whose requests may be seen (None: everywhere)."""
    return await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM}
            WHERE ($1::text[] IS NULL OR r.units && $1::text[])
              AND ($2::text IS NULL OR r.member_id = $2)
              AND ($3::timestamptz IS NULL OR (r.requested_at, r.request_id) < ($3, $4))
            ORDER BY r.requested_at DESC, r.request_id DESC LIMIT $5""",
        None if scope is None else list(scope), member_id,
        after[0] if after else None, after[1] if after else None, limit,
    )  # fmt: skip


async def confirmations(conn: Db, member_ids: Sequence[str]) -> dict[str, dict[str, datetime]]:
    rows = await conn.fetch(
        """SELECT member_id, read_model, confirmed_at FROM erasure_confirmations
           WHERE member_id = ANY($1::text[])""",
        list(member_ids),
    )
    out: dict[str, dict[str, datetime]] = {}
    for r in rows:
        out.setdefault(r["member_id"], {})[r["read_model"]] = r["confirmed_at"]
    return out


async def confirm(conn: Connection, rows: Sequence[tuple[str, str, datetime]]) -> None:
    """(member id, read model, confirmed at); the first confirmation of each pair is kept."""
    if rows:
        await conn.executemany(
            """INSERT INTO erasure_confirmations (member_id, read_model, confirmed_at)
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""",
            list(rows),
        )
