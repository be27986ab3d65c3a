"""The members read model (from roster.members.v1): names, and postings for the dev sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from nazar_platform import db
from nazar_platform.http.pagination import Int32, Keyset, Page, Row


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: str
    name_hi: str | None
    name_latin: str | None
    postings: tuple[tuple[str, str], ...]  # (role, unit id), the primary posting first
    active: bool
    version: int


_COLUMNS = "id, name_hi, name_latin, roles, unit_ids, active, version"


def _row(r: Row) -> MemberRow:
    return MemberRow(
        r["id"],
        r["name_hi"],
        r["name_latin"],
        tuple(zip(r["roles"], r["unit_ids"], strict=True)),
        r["active"],
        r["version"],
    )


async def upsert(conn: db.Connection, members: Sequence[MemberRow]) -> None:
    if not members:
        return
    await conn.executemany(
        f"""INSERT INTO members AS m ({_COLUMNS}, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, now())
        ON CONFLICT (id) DO UPDATE SET name_hi = excluded.name_hi,
            name_latin = excluded.name_latin, roles = excluded.roles,
            unit_ids = excluded.unit_ids, active = excluded.active,
            version = excluded.version, updated_at = now()
        WHERE excluded.version >= m.version""",
        [
            (
                m.id,
                m.name_hi,
                m.name_latin,
                [p[0] for p in m.postings],
                [p[1] for p in m.postings],
                m.active,
                m.version,
            )
            for m in members
        ],
    )


async def erase(conn: db.Connection, member_ids: Sequence[str]) -> None:
    if member_ids:
        await conn.execute("DELETE FROM members WHERE id = ANY($1::text[])", list(member_ids))


async def get(conn: db.Connection, member_id: str) -> MemberRow | None:
    r = await conn.fetchrow(f"SELECT {_COLUMNS} FROM members WHERE id = $1", member_id)
    return None if r is None else _row(r)


async def named(conn: db.Connection, member_ids: Sequence[str]) -> list[MemberRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM members WHERE id = ANY($1::text[]) ORDER BY id", list(member_ids)
    )
    return [_row(r) for r in rows]


_SIGN_IN = Keyset(("x.rank", "x.id"), (Int32, str))  # array_position: an integer


async def to_sign_in(
    conn: db.Connection | asyncpg.Pool,
    seniority: Sequence[str],
    *,
    roles: Sequence[str] | None,
    unit: str | None,
    name: str | None,
    cursor: str | None,
    limit: int,
) -> Page[MemberRow]:
    """Active members for the dev sign-in, most senior first: holding one of `roles`, posted in
    the subtree of `unit`, with `name` in their name (each when given)."""
    where, args = _SIGN_IN.after(cursor, first_param=5)
    rows = await conn.fetch(
        f"""SELECT x.* FROM (
              SELECT {_COLUMNS},
                     (SELECT min(array_position($1::text[], r)) FROM unnest(m.roles) AS r) AS rank
              FROM members m
              WHERE m.active
                AND ($2::text[] IS NULL OR m.roles && $2::text[])
                AND ($3::text IS NULL OR EXISTS (
                    SELECT 1 FROM units u WHERE u.id = ANY(m.unit_ids) AND $3 = ANY(u.path)))
                AND ($4::text IS NULL OR m.name_hi ILIKE '%' || $4 || '%'
                     OR m.name_latin ILIKE '%' || $4 || '%')) AS x
        WHERE x.rank IS NOT NULL AND {where}
        ORDER BY {_SIGN_IN.order_by()} LIMIT ${len(args) + 5}""",
        list(seniority),
        list(roles) if roles else None,
        unit,
        name,
        *args,
        limit + 1,
    )
    return _SIGN_IN.page(rows, limit, _row)
