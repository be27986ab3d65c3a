"""The command tree in SQL: create, rename, move, close, paths, reads and the units import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.domain.tree import PARENT_KINDS
from roster.store import Db

_PARENT_PAIRS = [(k.value, p.value) for k, parents in PARENT_KINDS.items() for p in parents]

UNIT_COLUMNS = (
    "unit_id, kind, name_hi, name_en, parent_id, path, circle_id, active, closed_at, "
    "(SELECT version FROM published WHERE aggregate = 'unit' AND key = unit_id) AS version"
)


async def refresh_paths(conn: Connection) -> list[str]:
    """Recompute every path and circle from the parent links; return the units that changed."""
    rows = await conn.fetch(
        """
        WITH RECURSIVE t AS (
            SELECT unit_id, ARRAY[unit_id] AS path,
                   CASE WHEN kind = 'circle' THEN unit_id END AS circle_id
            FROM units WHERE parent_id IS NULL
          UNION ALL
            SELECT u.unit_id, t.path || u.unit_id,
                   CASE WHEN u.kind = 'circle' THEN u.unit_id ELSE t.circle_id END
            FROM units u JOIN t ON u.parent_id = t.unit_id
        )
        UPDATE units SET path = t.path, circle_id = t.circle_id
        FROM t WHERE units.unit_id = t.unit_id
          AND (units.path IS DISTINCT FROM t.path OR units.circle_id IS DISTINCT FROM t.circle_id)
        RETURNING units.unit_id
        """
    )
    return [r["unit_id"] for r in rows]


async def root(conn: Db) -> str | None:
    """The top of the tree (the state), where a state-wide permission is judged."""
    unit_id: str | None = await conn.fetchval(
        "SELECT unit_id FROM units WHERE parent_id IS NULL ORDER BY unit_id LIMIT 1"
    )
    return unit_id


async def get(conn: Db, unit_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $1", unit_id)


async def get_many(conn: Db, unit_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = ANY($1::text[])", list(unit_ids)
    )
    return {r["unit_id"]: r for r in rows}


async def insert(
    conn: Connection, unit_id: str, kind: str, name_hi: str, name_en: str, parent_id: str | None
) -> bool:
    status = await conn.execute(
        "INSERT INTO units (unit_id, kind, name_hi, name_en, parent_id) VALUES ($1,$2,$3,$4,$5) "
        "ON CONFLICT (unit_id) DO NOTHING",
        unit_id,
        kind,
        name_hi,
        name_en,
        parent_id,
    )
    return status.endswith(" 1")


async def update(conn: Connection, unit_id: str, **fields: Any) -> None:
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    await conn.execute(f"UPDATE units SET {sets} WHERE unit_id = $1", unit_id, *fields.values())


async def active_children(conn: Db, unit_id: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM units WHERE parent_id = $1 AND active", unit_id
    )
    return count


async def children(conn: Db, unit_id: str | None) -> list[Any]:
    where = "parent_id IS NULL" if unit_id is None else "parent_id = $1"
    args: list[Any] = [] if unit_id is None else [unit_id]
    return list(
        await conn.fetch(
            f"SELECT {UNIT_COLUMNS} FROM units WHERE {where} ORDER BY kind, name_en", *args
        )
    )


async def subtree(
    conn: Db, unit_id: str, *, after: str | None, limit: int, kinds: Sequence[str] | None
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"""SELECT {UNIT_COLUMNS} FROM units
                WHERE path @> ARRAY[$1]::text[] AND ($2::text IS NULL OR unit_id > $2)
                  AND ($4::text[] IS NULL OR kind = ANY($4))
                ORDER BY unit_id LIMIT $3""",
            unit_id,
            after,
            limit,
            list(kinds) if kinds else None,
        )
    )


# --- the units import (HQ only): staged, checked set-based, applied -----------------------------
async def stage(conn: Connection, rows: list[tuple[int, str, str, str, str, str | None]]) -> None:
    await conn.execute(
        """CREATE TEMP TABLE stg_units (row_no int, unit_id text, kind text, name_hi text,
               name_en text, parent_id text) ON COMMIT DROP"""
    )
    await conn.copy_records_to_table("stg_units", records=rows)


async def check_staged(conn: Connection) -> list[tuple[int, str, str]]:
    """(row, unit code, reason) for staged units whose parent is missing or of the wrong kind."""
    rows = await conn.fetch(
        """
        WITH parents AS (
            SELECT unit_id, kind FROM units WHERE active
            UNION ALL SELECT unit_id, kind FROM stg_units
        )
        SELECT s.row_no, s.unit_id,
               CASE WHEN s.parent_id IS NULL AND s.kind <> 'state' THEN 'unit-parent-required'
                    WHEN s.parent_id IS NOT NULL AND p.unit_id IS NULL THEN 'unknown-unit'
                    ELSE 'unit-parent-kind' END AS reason
        FROM stg_units s
        LEFT JOIN LATERAL (SELECT unit_id, kind FROM parents WHERE unit_id = s.parent_id
                           LIMIT 1) p ON true
        WHERE (s.parent_id IS NULL AND s.kind <> 'state')
           OR (s.parent_id IS NOT NULL AND (p.unit_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(kind, parent_kind)
                WHERE k.kind = s.kind AND k.parent_kind = p.kind)))
        """,
        [k for k, _ in _PARENT_PAIRS],
        [p for _, p in _PARENT_PAIRS],
    )
    return [(r["row_no"], r["unit_id"], r["reason"]) for r in rows]


async def apply_staged(conn: Connection, rejected_rows: list[int]) -> dict[str, int]:
    await conn.execute("DELETE FROM stg_units WHERE row_no = ANY($1::int[])", rejected_rows)
    created = await conn.execute(
        """INSERT INTO units (unit_id, kind, name_hi, name_en, parent_id)
           SELECT unit_id, kind, name_hi, name_en, parent_id FROM stg_units
           ON CONFLICT (unit_id) DO NOTHING"""
    )
    changed = await conn.execute(
        """UPDATE units u SET name_hi = s.name_hi, name_en = s.name_en, parent_id = s.parent_id
           FROM stg_units s
           WHERE u.unit_id = s.unit_id AND u.kind = s.kind
             AND (u.name_hi, u.name_en, u.parent_id) IS DISTINCT FROM
                 (s.name_hi, s.name_en, s.parent_id)"""
    )
    return {"created": int(created.split()[-1]), "updated": int(changed.split()[-1])}


async def history(conn: Db, unit_id: str) -> list[Any]:
    rows = await conn.fetch(
        "SELECT version, doc, recorded_at FROM unit_versions WHERE unit_id = $1 ORDER BY version",
        unit_id,
    )
    return list(rows)
