"""Import jobs and their reports, progress, full-sync reviews and confirmations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    conn: Connection,
    import_id: str,
    rows: Sequence[tuple[int, str | None, str | None, Any]],
    *,
    header: Sequence[str] | None = None,
    cells: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """rows: (row number, natural key, member id, reasons [{code, column}]), one per row;
    `header` and `cells` (by row number): the rejected rows as the file wrote them."""
    await conn.execute("DELETE FROM import_rejections WHERE import_id = $1", import_id)
    if header is not None:
        await conn.execute(
            "UPDATE imports SET header = $2 WHERE import_id = $1", import_id, _cells(header)
        )
    cells = cells or {}
    if rows:
        # executemany, not COPY: asyncpg's json codec is text-only.
        await conn.executemany(
            """INSERT INTO import_rejections (import_id, row_no, natural_key, member_id, reasons,
                                              cells) VALUES ($1, $2, $3, $4, $5, $6)""",
            [
                (import_id, n, key, mid, reasons, _cells(cells.get(n)))
                for n, key, mid, reasons in rows
            ],
        )


def _cells(cells: Sequence[str] | None) -> list[str] | None:
    # PostgreSQL's text holds no NUL; such a row is rejected for it (`invalid-text`) anyway.
    return [c.replace("\x00", "\ufffd") for c in cells] if cells is not None else None


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
    conn: Db,
    *,
    uploaded_by: str | None,
    under: Sequence[str] | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Newest first: every import (`uploaded_by` None), else the member's own and those whose
    whole area lies under one of the units `under` (the office's units)."""
    return list(
        await conn.fetch(
            f"""SELECT {_COLUMNS}, {_NAMES} FROM imports
               WHERE ($1::text IS NULL OR uploaded_by = $1
                      OR (scope_units IS NOT NULL AND cardinality(scope_units) > 0
                          AND NOT EXISTS (
                              SELECT 1 FROM unnest(scope_units) s (unit_id)
                              LEFT JOIN units u USING (unit_id)
                              WHERE u.path IS NULL OR NOT u.path && $4::text[])))
                 AND ($2::text IS NULL OR received_at < (SELECT received_at FROM imports
                                                        WHERE import_id = $2)
                      OR (received_at = (SELECT received_at FROM imports WHERE import_id = $2)
                          AND import_id < $2))
               ORDER BY received_at DESC, import_id DESC LIMIT $3""",
            uploaded_by,
            after,
            limit,
            list(under or []),
        )
    )


# The uploader's and the confirmers' names: a page shows a person, never a member id.
_NAMES = """(SELECT m.name_hi FROM members m WHERE m.member_id = imports.uploaded_by)
                AS uploaded_by_name_hi,
            (SELECT m.name_latin FROM members m WHERE m.member_id = imports.uploaded_by)
                AS uploaded_by_name_latin"""


async def get_named(conn: Db, import_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS}, {_NAMES}, header FROM imports WHERE import_id = $1", import_id
    )


async def names(conn: Db, member_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    rows = await conn.fetch(
        "SELECT member_id, name_hi, name_latin FROM members WHERE member_id = ANY($1::text[])",
        list(member_ids),
    )
    return {r["member_id"]: (r["name_hi"], r["name_latin"]) for r in rows}


async def rejected_cells(conn: Db, import_id: str) -> list[asyncpg.Record]:
    """The rejected rows still kept as written (cells), in row order."""
    return list(
        await conn.fetch(
            """SELECT row_no, cells, reasons FROM import_rejections
               WHERE import_id = $1 AND cells IS NOT NULL ORDER BY row_no""",
            import_id,
        )
    )


async def rejected_cells_kept(conn: Db, import_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM import_rejections WHERE import_id = $1"
            " AND cells IS NOT NULL)",
            import_id,
        )
    )


async def forget_rejected_cells(conn: Connection, before: datetime) -> int:
    """The rejected rows' cells (phone numbers among them) of imports finished before `before`."""
    status = await conn.execute(
        """UPDATE import_rejections r SET cells = NULL FROM imports i
           WHERE i.import_id = r.import_id AND r.cells IS NOT NULL AND i.finished_at < $1""",
        before,
    )
    return int(status.split()[-1])


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
