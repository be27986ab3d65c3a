"""The roster read model: units, members and groups as the roster last published them.

Every roster record carries the full current state of its key, so writing one is an upsert and
applying it twice changes nothing. Batches arrive as JSON arrays and are written set-based.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
from nazar_contracts.vocabulary import UnitKind
from nazar_platform.db import Connection
from nazar_platform.http.pagination import Int32, Keyset, Page

from directive.domain.audience import Member, Posting
from directive.domain.partitioning import key_hash
from directive.domain.tree import Unit, UnitTree


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: str
    roles: list[str]
    unit_ids: list[str]
    active: bool
    consented: bool | None
    language: str | None
    name_hi: str | None = None
    name_latin: str | None = None
    synthetic: bool = False
    version: int = 1
    # Who may be messaged, as the roster published it; None: decide with the domain's rule.
    reachable: bool | None = None

    def may_message(self) -> bool:
        return self.domain().reachable if self.reachable is None else self.reachable

    def domain(self) -> Member:
        postings = tuple(Posting(r, u) for r, u in zip(self.roles, self.unit_ids, strict=True))
        return Member(self.id, postings, self.active, self.consented, self.language, self.reachable)


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    kind: str
    unit_id: str | None
    admins: list[str]
    members: list[str]
    version: int = 1


async def upsert_units(
    conn: Connection, units: Sequence[Unit], versions: Sequence[int] | None = None
) -> None:
    if not units:
        return
    await conn.execute(
        """INSERT INTO units AS x (id, kind, parent_id, path, name_hi, name_en, active, version,
                                   updated_at)
        SELECT id, kind, parent_id, path, name_hi, name_en, active, version, now()
        FROM jsonb_to_recordset($1::jsonb) AS t(id text, kind text, parent_id text, path text[],
                                                name_hi text, name_en text, active boolean,
                                                version integer)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, parent_id = excluded.parent_id,
            path = excluded.path, name_hi = excluded.name_hi, name_en = excluded.name_en,
            active = excluded.active, version = excluded.version, updated_at = now()
        WHERE excluded.version >= x.version""",
        [
            {**asdict(u), "kind": str(u.kind), "path": list(u.path), "version": v}
            for u, v in zip(units, versions or [1] * len(units), strict=True)
        ],
    )


async def upsert_members(conn: Connection, members: Sequence[MemberRow]) -> None:
    if not members:
        return
    await conn.execute(
        """INSERT INTO members AS x (id, name_hi, name_latin, language, active, consented,
                                     synthetic, roles, unit_ids, reachable, key_hash, version,
                                     updated_at)
        SELECT id, name_hi, name_latin, language, active, consented, synthetic, roles, unit_ids,
               reachable, key_hash, version, now()
        FROM jsonb_to_recordset($1::jsonb) AS t(id text, name_hi text, name_latin text,
            language text, active boolean, consented boolean, synthetic boolean, roles text[],
            unit_ids text[], reachable boolean, key_hash integer, version integer)
        ON CONFLICT (id) DO UPDATE SET name_hi = excluded.name_hi,
            name_latin = excluded.name_latin, language = excluded.language,
            active = excluded.active, consented = excluded.consented,
            synthetic = excluded.synthetic, roles = excluded.roles,
            unit_ids = excluded.unit_ids, reachable = excluded.reachable,
            key_hash = excluded.key_hash, version = excluded.version, updated_at = now()
        WHERE excluded.version >= x.version""",
        [
            {
                **asdict(m),
                "reachable": m.may_message(),
                "key_hash": key_hash(m.id.encode()),
            }
            for m in members
        ],
    )


async def delete_members(conn: Connection, ids: Iterable[str]) -> None:
    """An erased member leaves the read model (deliveries keep only the id)."""
    await conn.execute("DELETE FROM members WHERE id = ANY($1::text[])", list(ids))


async def upsert_groups(conn: Connection, groups: Sequence[GroupRow]) -> None:
    if not groups:
        return
    await conn.execute(
        """INSERT INTO groups AS x (id, kind, unit_id, admins, members, version, updated_at)
        SELECT id, kind, unit_id, admins, members, version, now()
        FROM jsonb_to_recordset($1::jsonb) AS t(id text, kind text, unit_id text,
                                                admins text[], members text[], version integer)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, unit_id = excluded.unit_id,
            admins = excluded.admins, members = excluded.members, version = excluded.version,
            updated_at = now()
        WHERE excluded.version >= x.version""",
        [asdict(g) for g in groups],
    )


async def delete_groups(conn: Connection, ids: Iterable[str]) -> None:
    await conn.execute("DELETE FROM groups WHERE id = ANY($1::text[])", list(ids))


async def load_tree(conn: Connection) -> UnitTree:
    rows = await conn.fetch("SELECT id, kind, parent_id, path, active, name_hi, name_en FROM units")
    return UnitTree(
        Unit(
            r["id"],
            UnitKind(r["kind"]),
            r["parent_id"],
            tuple(r["path"]),
            r["active"],
            r["name_hi"],
            r["name_en"],
        )
        for r in rows
        if r["kind"] in UnitKind.__members__.values()
    )


async def members_with_roles(conn: Connection, roles: Iterable[str]) -> list[MemberRow]:
    rows = await conn.fetch(
        "SELECT id, roles, unit_ids, active, consented, language, name_hi, name_latin, "
        "synthetic, version, reachable "
        "FROM members WHERE roles && $1::text[]",
        list(roles),
    )
    return [MemberRow(**dict(r)) for r in rows]


async def get_member(conn: Connection, member_id: str) -> MemberRow | None:
    row = await conn.fetchrow(
        "SELECT id, roles, unit_ids, active, consented, language, name_hi, name_latin, "
        "synthetic, version, reachable "
        "FROM members WHERE id = $1",
        member_id,
    )
    return None if row is None else MemberRow(**dict(row))


async def members_at(conn: Connection, role: str, unit_ids: Iterable[str]) -> list[str]:
    """Ids of reachable members holding `role` at one of the units (e.g. the IG of a range)."""
    rows = await conn.fetch(
        "SELECT m.id FROM members m, unnest(m.roles, m.unit_ids) AS p(role, unit_id) "
        "WHERE m.roles @> ARRAY[$1] AND m.reachable AND p.role = $1 "
        "AND p.unit_id = ANY($2::text[]) "
        "GROUP BY m.id ORDER BY m.id",
        role,
        list(unit_ids),
    )
    return [r["id"] for r in rows]


async def members_holding(conn: Connection, roles: Iterable[str], unit_kind: str) -> list[str]:
    """Ids of reachable members holding one of `roles` at a unit of `unit_kind`, sorted."""
    rows = await conn.fetch(
        "SELECT DISTINCT m.id FROM members m, unnest(m.roles, m.unit_ids) AS p(role, unit_id) "
        "JOIN units u ON u.id = p.unit_id "
        "WHERE m.roles && $1::text[] AND m.reachable AND p.role = ANY($1::text[]) "
        "AND u.kind = $2 ORDER BY m.id",
        [str(r) for r in roles],
        unit_kind,
    )
    return [r["id"] for r in rows]


async def circle_group_members(conn: Connection, circle_ids: Iterable[str]) -> list[str]:
    """The union of the circles' groups (members and admins) as they stand now, sorted."""
    row = await conn.fetchval(
        "SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM groups g, "
        "unnest(g.members || g.admins) AS x "
        "WHERE g.kind = 'circle' AND g.unit_id = ANY($1::text[])",
        list(circle_ids),
    )
    return list(row)


async def group_members(conn: Connection, kind: str) -> list[str]:
    """The union of every group of `kind` (members and admins) as they stand now, sorted."""
    row = await conn.fetchval(
        "SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM groups g, "
        "unnest(g.members || g.admins) AS x WHERE g.kind = $1",
        kind,
    )
    return list(row)


async def circles_within(conn: Connection, unit_id: str | None) -> list[str]:
    """The active circles under `unit_id` (a district, a range), or in the state (None)."""
    rows = await conn.fetch(
        "SELECT id FROM units WHERE kind = 'circle' AND active "
        "AND ($1::text IS NULL OR $1 = ANY(path)) ORDER BY id",
        unit_id,
    )
    return [r["id"] for r in rows]


async def circles_of(conn: Connection, district_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT id FROM units WHERE kind = 'circle' AND active AND $1 = ANY(path) ORDER BY id",
        district_id,
    )
    return [r["id"] for r in rows]


async def unit(conn: Connection, unit_id: str) -> Unit | None:
    r = await conn.fetchrow(
        "SELECT id, kind, parent_id, path, active, name_hi, name_en FROM units WHERE id = $1",
        unit_id,
    )
    return None if r is None else _unit(r)


def _unit(r: Any) -> Unit:
    return Unit(
        r["id"],
        UnitKind(r["kind"]),
        r["parent_id"],
        tuple(r["path"]),
        r["active"],
        r["name_hi"],
        r["name_en"],
    )


async def units(db: asyncpg.Pool | Connection, kind: str | None) -> list[Unit]:
    """The tree (or the units of one kind), top down."""
    rows = await db.fetch(
        "SELECT id, kind, parent_id, path, name_hi, name_en, active FROM units "
        "WHERE ($1::text IS NULL OR kind = $1) ORDER BY cardinality(path), id",
        kind,
    )
    return [_unit(r) for r in rows]


async def unit_paths(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    rows = await conn.fetch("SELECT id, path FROM units WHERE id = ANY($1::text[])", list(ids))
    return {r["id"]: list(r["path"]) for r in rows}


async def english_unit_names(conn: Connection) -> dict[str, str | None]:
    return {r["id"]: r["name_en"] for r in await conn.fetch("SELECT id, name_en FROM units")}


async def member_language(db: asyncpg.Pool | Connection, member_id: str) -> str | None:
    found = await db.fetchval("SELECT language FROM members WHERE id = $1", member_id)
    return None if found is None else str(found)


async def active_postings(
    db: asyncpg.Pool | Connection, member_id: str
) -> list[tuple[str, str]] | None:
    """(role, unit) of each posting of an active member; None for an unknown or inactive one."""
    row = await db.fetchrow(
        "SELECT roles, unit_ids FROM members WHERE id = $1 AND active", member_id
    )
    if row is None:
        return None
    return list(zip(row["roles"], row["unit_ids"], strict=True))


_DEV_MEMBERS = Keyset(("x.rank", "x.id"), (Int32, str))  # array_position: an integer


async def dev_members(
    db: asyncpg.Pool | Connection,
    seniority: Sequence[str],
    *,
    unit: str | None,
    roles: Sequence[str] | None,
    name: str | None,
    ids: Sequence[str] | None,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """Active members holding a role of `seniority`, most senior first, with the names of their
    posting units (rows): in the subtree of `unit`, holding one of `roles`, with `name` in their
    name, among `ids` (each when given)."""
    where, args = _DEV_MEMBERS.after(cursor, first_param=6)
    rows = await db.fetch(
        f"""SELECT x.*,
               ARRAY(SELECT u.name_hi FROM unnest(x.unit_ids) WITH ORDINALITY AS p(id, n)
                     LEFT JOIN units u ON u.id = p.id ORDER BY p.n) AS unit_hi,
               ARRAY(SELECT u.name_en FROM unnest(x.unit_ids) WITH ORDINALITY AS p(id, n)
                     LEFT JOIN units u ON u.id = p.id ORDER BY p.n) AS unit_en
        FROM (SELECT m.id, m.name_hi, m.name_latin, m.language, m.roles, m.unit_ids, m.reachable,
                     (SELECT min(array_position($1::text[], r)) FROM unnest(m.roles) AS r)
                       AS rank
              FROM members m
              WHERE m.active
                AND ($2::text IS NULL OR EXISTS (
                    SELECT 1 FROM units u WHERE u.id = ANY(m.unit_ids) AND $2 = ANY(u.path)))
                AND ($3::text[] IS NULL OR m.roles && $3::text[])
                AND ($4::text IS NULL OR m.name_hi ILIKE '%' || $4 || '%'
                     OR m.name_latin ILIKE '%' || $4 || '%')
                AND ($5::text[] IS NULL OR m.id = ANY($5::text[]))) AS x
        WHERE x.rank IS NOT NULL AND {where}
        ORDER BY {_DEV_MEMBERS.order_by()} LIMIT ${len(args) + 6}""",
        list(seniority),
        unit,
        None if roles is None else list(roles),
        name,
        None if ids is None else list(ids),
        *args,
        limit + 1,
    )
    return _DEV_MEMBERS.page(rows, limit, lambda r: r)
