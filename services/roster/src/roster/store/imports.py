"""Import jobs and their reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.store import Db


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


async def fail(conn: Connection, import_id: str, error: str) -> None:
    await conn.execute(
        """UPDATE imports SET status = 'failed', error = $2, finished_at = now()
           WHERE import_id = $1""",
        import_id,
        error,
    )


async def interrupt_running(conn: Connection) -> int:
    """At start: an import that was running when the process died did not commit."""
    status = await conn.execute(
        """UPDATE imports SET status = 'failed', error = 'interrupted', finished_at = now()
           WHERE status = 'running'"""
    )
    return int(status.split()[-1])


async def add_rejections(
    conn: Connection, import_id: str, rows: Sequence[tuple[int, str | None, str | None, Any]]
) -> None:
    """rows: (row number, natural key, member id, reasons [{code, column}])."""
    if rows:
        # executemany, not COPY: asyncpg's json codec is text-only.
        await conn.executemany(
            """INSERT INTO import_rejections (import_id, row_no, natural_key, member_id, reasons)
               VALUES ($1, $2, $3, $4, $5)""",
            [(import_id, n, key, mid, reasons) for n, key, mid, reasons in rows],
        )


async def get(conn: Db, import_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT import_id, kind, full_sync, filename, uploaded_by, scope_units, status, error,
                  total_rows, counts, received_at, finished_at FROM imports WHERE import_id = $1""",
        import_id,
    )


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
            """SELECT import_id, kind, full_sync, filename, uploaded_by, scope_units, status,
                      error, total_rows, counts, received_at, finished_at FROM imports
               WHERE ($1::text IS NULL OR uploaded_by = $1) AND ($2::text IS NULL OR import_id < $2)
               ORDER BY import_id DESC LIMIT $3""",
            uploaded_by,
            after,
            limit,
        )
    )
