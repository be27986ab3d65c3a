"""Import jobs and their reports, progress, full-sync reviews and confirmations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.store import Db

_COLUMNS = """import_id, kind, full_sync, filename, uploaded_by, scope_units, status, error,
    total_rows, counts, received_at, finished_at, confirmations_needed, confirm_before,
    ARRAY(SELECT c.member_id FROM import_confirmations c WHERE c.import_id = imports.import_id
          ORDER BY c.confirmed_at, c.member_id) AS confirmed_by"""


async def create(
    conn: Connection,
    import_id: str,
    *,
    kind: str,
    full_sync: bool,
    filename: str | None,
    uploaded_by: str,
    scope: Sequence[str] | None,
) -> None:
    await conn.execute(
        """INSERT INTO imports (import_id, kind, full_sync, filename, uploaded_by, scope_units,
                                status) VALUES ($1, $2, $3, $4, $5, $6, 'running')""",
        import_id,
        kind,
        full_sync,
        filename,
        uploaded_by,
        list(scope) if scope is not None else None,
    )


async def finish(conn: Connection, import_id: str, *, total: int, counts: dict[str, int]) -> None:
    await conn.execute(
        """UPDATE imports SET status = 'done', total_rows = $2, counts = $3, finished_at = now()
           WHERE import_id = $1""",
        import_id,
        total,
        counts,
    )


# What the committed chunks of an import applied (empty when none was).
_APPLIED = """(SELECT coalesce(jsonb_build_object('applied', sum(rows), 'created', sum(created),
                   'changed', sum(changed) - sum(created), 'events', sum(events)), '{}')
               FROM import_progress p WHERE p.import_id = imports.import_id HAVING count(*) > 0)"""


async def fail(conn: Connection, import_id: str, error: str) -> None:
    """`failed` when nothing was applied; `interrupted`, with what was, after a chunk committed."""
    await conn.execute(
        f"""UPDATE imports SET error = $2, finished_at = now(),
                status = CASE WHEN {_APPLIED} IS NULL THEN 'failed' ELSE 'interrupted' END,
                counts = coalesce({_APPLIED}, '{{}}')
            WHERE import_id = $1""",
        import_id,
        error,
    )
    await conn.execute("DELETE FROM import_files WHERE import_id = $1", import_id)


async def interrupt_running(conn: Connection) -> int:
    """At start: an import that was running when the process died stopped where it was."""
    ids = [
        r["import_id"]
        for r in await conn.fetch("SELECT import_id FROM imports WHERE status = 'running'")
    ]
    for import_id in ids:
        await fail(conn, import_id, "interrupted")
    return len(ids)


async def expire_reviews(conn: Connection, now: datetime) -> int:
    """Full-sync reviews nobody confirmed in time expire, and their files go."""
    status = await conn.execute(
        """UPDATE imports SET status = 'expired', finished_at = $1
           WHERE status = 'awaiting_confirmation' AND confirm_before <= $1""",
        now,
    )
    await conn.execute(
        """DELETE FROM import_files f USING imports i WHERE i.import_id = f.import_id
           AND i.status NOT IN ('awaiting_confirmation', 'running')"""
    )
    return int(status.split()[-1])


async def add_progress(
    conn: Connection, import_id: str, chunk: int, *, rows: int, created: int, changed: int,
    events: int,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO import_progress VALUES ($1, $2, $3, $4, $5, $6)",
        import_id, chunk, rows, created, changed, events,
    )  # fmt: skip


async def await_confirmation(
    conn: Connection, import_id: str, *, total: int, counts: dict[str, int], needed: int,
    before: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        """UPDATE imports SET status = 'awaiting_confirmation', total_rows = $2, counts = $3,
                  confirmations_needed = $4, confirm_before = $5 WHERE import_id = $1""",
        import_id, total, counts, needed, before,
    )  # fmt: skip


async def keep_file(conn: Connection, import_id: str, body: bytes) -> None:
    await conn.execute("INSERT INTO import_files VALUES ($1, $2)", import_id, body)


async def take_file(conn: Connection, import_id: str) -> bytes | None:
    body: bytes | None = await conn.fetchval(
        "SELECT body FROM import_files WHERE import_id = $1", import_id
    )
    return body


async def drop_file(conn: Connection, import_id: str) -> None:
    await conn.execute("DELETE FROM import_files WHERE import_id = $1", import_id)


async def confirm(conn: Connection, import_id: str, member_id: str) -> list[str]:
    """Record a confirmation (once per member); every confirmer so far, first first."""
    await conn.execute(
        "INSERT INTO import_confirmations (import_id, member_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        import_id,
        member_id,
    )
    return await confirmers(conn, import_id)


async def confirmers(conn: Db, import_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT member_id FROM import_confirmations WHERE import_id = $1"
        " ORDER BY confirmed_at, member_id",
        import_id,
    )
    return [r["member_id"] for r in rows]


async def start_applying(conn: Connection, import_id: str) -> None:
    await conn.execute("UPDATE imports SET status = 'running' WHERE import_id = $1", import_id)


async def lock(conn: Connection, import_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM imports WHERE import_id = $1 FOR UPDATE", import_id
    )


async def replace_rejections(
    conn: Connection, import_id: str, rows: Sequence[tuple[int, str | None, str | None, Any]]
) -> None:
    """rows: (row number, natural key, member id, reasons [{code, column}]), one per row."""
    await conn.execute("DELETE FROM import_rejections WHERE import_id = $1", import_id)
    if rows:
        # executemany, not COPY: asyncpg's json codec is text-only.
        await conn.executemany(
            """INSERT INTO import_rejections (import_id, row_no, natural_key, member_id, reasons)
               VALUES ($1, $2, $3, $4, $5)""",
            [(import_id, n, key, mid, reasons) for n, key, mid, reasons in rows],
        )


async def get(conn: Db, import_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM imports WHERE import_id = $1", import_id)


async def rejections_page(
    conn: Db, import_id: str, *, after: int | None, limit: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT row_no, natural_key, reasons FROM import_rejections
               WHERE import_id = $1 AND ($2::int IS NULL OR row_no > $2)
               ORDER BY row_no LIMIT $3""",
            import_id,
            after,
            limit,
        )
    )


async def page(
    conn: Db, *, uploaded_by: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"""SELECT {_COLUMNS} FROM imports
               WHERE ($1::text IS NULL OR uploaded_by = $1) AND ($2::text IS NULL OR import_id < $2)
               ORDER BY import_id DESC LIMIT $3""",
            uploaded_by,
            after,
            limit,
        )
    )


async def deactivations_page(
    conn: Db, import_id: str, *, after: str | None, limit: int
) -> list[asyncpg.Record]:
    """Who a full sync deactivates (or would): the key a clerk knows them by, names, posting."""
    return list(
        await conn.fetch(
            """SELECT d.member_id, coalesce(m.personnel_no, m.volunteer_id) AS natural_key,
                      m.name_hi, m.name_latin, p.role, p.unit_id, m.active
               FROM import_deactivations d JOIN members m ON m.member_id = d.member_id
               LEFT JOIN LATERAL (SELECT role, unit_id FROM postings
                                  WHERE member_id = d.member_id AND is_primary LIMIT 1) p ON true
               WHERE d.import_id = $1 AND ($2::text IS NULL OR d.member_id > $2)
               ORDER BY d.member_id LIMIT $3""",
            import_id,
            after,
            limit,
        )
    )


# What the roster holds of each file kind already (`roster.app.import_files` into an empty roster).
_HOLDS = {
    "units": "SELECT EXISTS (SELECT 1 FROM units)",
    "police": "SELECT EXISTS (SELECT 1 FROM members WHERE key_kind = 'pno')",
    "volunteers": "SELECT EXISTS (SELECT 1 FROM members WHERE key_kind IN ('vol', 'tel'))",
}


async def holds(conn: Db, kind: str) -> bool:
    return bool(await conn.fetchval(_HOLDS[kind]))
