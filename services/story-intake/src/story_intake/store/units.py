"""The command tree read model (from roster.units.v1): where an author's unit sits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: str
    kind: str
    path: tuple[str, ...]
    version: int
    name_hi: str | None = None
    name_en: str | None = None


async def upsert(conn: db.Connection, units: Sequence[UnitRow]) -> None:
    if not units:
        return
    await conn.executemany(
        """INSERT INTO units AS u (id, kind, path, version, name_hi, name_en, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, now())
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, path = excluded.path,
            version = excluded.version, name_hi = excluded.name_hi, name_en = excluded.name_en,
            updated_at = now()
        WHERE excluded.version >= u.version""",
        [(u.id, u.kind, list(u.path), u.version, u.name_hi, u.name_en) for u in units],
    )


async def kinds_along(conn: db.Connection, unit_id: str) -> list[tuple[str, str]] | None:
    """(unit id, kind) from the state down to `unit_id`; None if the unit is unknown."""
    path = await conn.fetchval("SELECT path FROM units WHERE id = $1", unit_id)
    if path is None:
        return None
    rows = await conn.fetch("SELECT id, kind FROM units WHERE id = ANY($1::text[])", list(path))
    kinds = {r["id"]: r["kind"] for r in rows}
    return [(u, kinds.get(u, "")) for u in path]


async def named(conn: db.Connection, unit_ids: Sequence[str]) -> list[UnitRow]:
    """The units among `unit_ids` this read model holds, with their kinds and names."""
    rows = await conn.fetch(
        """SELECT id, kind, path, version, name_hi, name_en FROM units
           WHERE id = ANY($1::text[]) ORDER BY id""",
        list(unit_ids),
    )
    return [
        UnitRow(r["id"], r["kind"], tuple(r["path"]), r["version"], r["name_hi"], r["name_en"])
        for r in rows
    ]
