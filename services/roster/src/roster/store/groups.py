"""Derived groups in SQL: which groups exist, who is in them, and which changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.domain.ids import PHQ_CRIME_ADMIN_GROUP, STATE_CRIME_GROUP
from roster.store import Db

STATE_GROUPS = (
    (STATE_CRIME_GROUP, "state_crime", "राज्य अपराध समूह", "State crime group"),
    (
        PHQ_CRIME_ADMIN_GROUP,
        "phq_crime_admin",
        "पुलिस मुख्यालय अपराध एडमिन समूह",
        "PHQ crime admin group",
    ),
)


async def sync_existence(conn: Connection) -> list[str]:
    """One group per active circle plus the two state groups; return ids of groups closed now."""
    state_unit = await conn.fetchval("SELECT unit_id FROM units WHERE parent_id IS NULL LIMIT 1")
    if state_unit is not None:
        await conn.executemany(
            """INSERT INTO groups (group_id, kind, unit_id, name_hi, name_en)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (group_id) DO UPDATE SET unit_id = EXCLUDED.unit_id
               WHERE groups.unit_id IS DISTINCT FROM EXCLUDED.unit_id""",
            [(g, k, state_unit, hi, en) for g, k, hi, en in STATE_GROUPS],
        )
    await conn.execute(
        """INSERT INTO groups AS g (group_id, kind, unit_id, name_hi, name_en)
           SELECT 'circle.' || unit_id, 'circle', unit_id, name_hi || ' वृत्त समूह',
                  name_en || ' circle group'
           FROM units WHERE kind = 'circle' AND active
           ON CONFLICT (group_id) DO UPDATE SET name_hi = EXCLUDED.name_hi,
                name_en = EXCLUDED.name_en, active = true
           WHERE (g.name_hi, g.name_en, g.active) IS DISTINCT FROM
                 (EXCLUDED.name_hi, EXCLUDED.name_en, true)"""
    )
    closed = await conn.fetch(
        """UPDATE groups g SET active = false
           FROM units u WHERE g.kind = 'circle' AND g.unit_id = u.unit_id AND g.active
             AND NOT u.active
           RETURNING g.group_id"""
    )
    ids = [r["group_id"] for r in closed]
    if ids:
        await conn.execute(
            """INSERT INTO group_member_changes (group_id, member_id, change, role, unit_id,
                                                 is_admin)
               SELECT group_id, member_id, 'left', role, unit_id, is_admin FROM group_members
               WHERE group_id = ANY($1::text[])""",
            ids,
        )
        await conn.execute("DELETE FROM group_members WHERE group_id = ANY($1::text[])", ids)
    return ids


async def circles_of_touched(conn: Connection) -> list[str]:
    """Circles whose group may change because a member in `touched` changed."""
    rows = await conn.fetch(
        """
        SELECT substr(gm.group_id, 8) AS circle_id FROM group_members gm
        JOIN touched t ON t.member_id = gm.member_id WHERE gm.group_id LIKE 'circle.%'
        UNION
        SELECT u.circle_id FROM postings p JOIN touched t ON t.member_id = p.member_id
        JOIN units u ON u.unit_id = p.unit_id WHERE u.circle_id IS NOT NULL
        UNION
        SELECT c.unit_id FROM postings p JOIN touched t ON t.member_id = p.member_id
        JOIN units c ON c.path @> ARRAY[p.unit_id] AND c.kind = 'circle'
        WHERE p.role IN ('sp', 'ig')
        """
    )
    return [r["circle_id"] for r in rows]


async def all_circles(conn: Connection) -> list[str]:
    rows = await conn.fetch("SELECT unit_id FROM units WHERE kind = 'circle' AND active")
    return [r["unit_id"] for r in rows]


async def lock(conn: Connection) -> None:
    """One group recompute at a time, to the end of the transaction (re-entrant within it).

    Every recompute rewrites the state groups; two transactions that derived the same new member
    would both insert it (a unique violation: two erasures at once answered 500). Statements run
    after the lock is granted see what the transaction before committed. A handler that changes
    members before it recomputes may take it first, so it never waits holding their rows."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('roster.groups', 0))")


async def recompute(conn: Connection, circles: Sequence[str]) -> list[str]:
    """Bring group_members of these circles' groups (and the state groups) to what the rules
    derive; return the ids of groups whose membership changed."""
    group_ids = [f"circle.{c}" for c in circles] + [g for g, *_ in STATE_GROUPS]
    await lock(conn)
    # Joins with small temp tables, not `= ANY(array)`: 300,000 rows times 230 ids is slow.
    await conn.execute(
        """CREATE TEMP TABLE want ON COMMIT DROP AS
           SELECT * FROM roster_desired_members($1::text[], true)""",
        list(circles),
    )
    await conn.execute(
        """CREATE TEMP TABLE target (group_id text PRIMARY KEY) ON COMMIT DROP;
           CREATE TEMP TABLE moved (group_id text PRIMARY KEY) ON COMMIT DROP;"""
    )
    await conn.copy_records_to_table("target", records=[(g,) for g in set(group_ids)])
    await conn.execute(
        """
        ANALYZE want; ANALYZE target;
        -- One fingerprint per group on each side: cheaper than a row-level EXCEPT.
        WITH w AS (SELECT group_id, md5(string_agg(
                       member_id || '|' || role || '|' || unit_id || '|' || is_admin::text, ','
                       ORDER BY member_id)) AS h
                   FROM want GROUP BY group_id),
             hv AS (SELECT gm.group_id, md5(string_agg(
                       gm.member_id || '|' || gm.role || '|' || gm.unit_id || '|'
                       || gm.is_admin::text, ',' ORDER BY gm.member_id)) AS h
                    FROM group_members gm JOIN target t ON t.group_id = gm.group_id
                    GROUP BY gm.group_id)
        INSERT INTO moved SELECT t.group_id FROM target t
        LEFT JOIN w ON w.group_id = t.group_id LEFT JOIN hv ON hv.group_id = t.group_id
        WHERE w.h IS DISTINCT FROM hv.h;
        -- The history (031_group_changes.sql), for groups that had members before only.
        WITH was AS (SELECT gm.* FROM group_members gm JOIN moved m ON m.group_id = gm.group_id),
             now_ AS (SELECT w.* FROM want w JOIN moved m ON m.group_id = w.group_id
                      JOIN groups g ON g.group_id = w.group_id AND g.active
                      WHERE EXISTS (SELECT 1 FROM was WHERE was.group_id = w.group_id))
        INSERT INTO group_member_changes (group_id, member_id, change, role, unit_id, is_admin)
        SELECT COALESCE(n.group_id, o.group_id), COALESCE(n.member_id, o.member_id),
               CASE WHEN o.member_id IS NULL THEN 'joined'
                    WHEN n.member_id IS NULL THEN 'left' ELSE 'changed' END,
               COALESCE(n.role, o.role), COALESCE(n.unit_id, o.unit_id),
               COALESCE(n.is_admin, o.is_admin)
        FROM now_ n FULL JOIN was o ON o.group_id = n.group_id AND o.member_id = n.member_id
        WHERE o.member_id IS NULL OR n.member_id IS NULL
           OR (o.role, o.unit_id, o.is_admin) IS DISTINCT FROM (n.role, n.unit_id, n.is_admin)
        ORDER BY 1, 2;
        DELETE FROM group_members gm USING moved m WHERE gm.group_id = m.group_id;
        INSERT INTO group_members (group_id, member_id, role, unit_id, is_admin)
        SELECT w.group_id, w.member_id, w.role, w.unit_id, w.is_admin
        FROM want w JOIN moved m ON m.group_id = w.group_id
        JOIN groups g ON g.group_id = w.group_id AND g.active;
        ANALYZE group_members;
        """
    )
    changed = [r["group_id"] for r in await conn.fetch("SELECT group_id FROM moved")]
    await conn.execute("DROP TABLE want, target, moved")
    return changed


async def get(conn: Db, group_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT g.group_id, g.kind, g.unit_id, g.name_hi, g.name_en, p.version, p.updated_at "
        "FROM groups g LEFT JOIN published p ON p.aggregate = 'group' AND p.key = g.group_id "
        "WHERE g.group_id = $1 AND g.active",
        group_id,
    )


async def page(
    conn: Db,
    *,
    after: str | None,
    limit: int,
    unit_scope: Sequence[str],
    member_groups_of: str | None,
    everywhere: bool = False,
) -> list[asyncpg.Record]:
    """Groups whose unit lies in `unit_scope` (or all), plus groups a member belongs to."""
    return list(
        await conn.fetch(
            """
            SELECT g.group_id, g.kind, g.unit_id, g.name_hi, g.name_en, pb.version,
                   (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.group_id)
                       AS member_count
            FROM groups g JOIN units u ON u.unit_id = g.unit_id
            LEFT JOIN published pb ON pb.aggregate = 'group' AND pb.key = g.group_id
            WHERE g.active AND ($1::text IS NULL OR g.group_id > $1)
              AND ($5 OR u.path && $3::text[]
                   OR ($4::text IS NOT NULL AND EXISTS (SELECT 1 FROM group_members gm
                        WHERE gm.group_id = g.group_id AND gm.member_id = $4)))
            ORDER BY g.group_id LIMIT $2
            """,
            after,
            limit,
            list(unit_scope),
            member_groups_of,
            everywhere,
        )
    )


async def is_member(conn: Db, group_id: str, member_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM group_members WHERE group_id = $1 AND member_id = $2",
            group_id,
            member_id,
        )
    )


async def members_page(
    conn: Db,
    group_id: str,
    *,
    after: str | None,
    limit: int,
    only_roles: Sequence[str] | None = None,
    also_member: str | None = None,
    admin: bool | None = None,
) -> list[Any]:
    """One page of a group's members; with `only_roles`, just those roles, the admins and
    `also_member`; with `admin`, only the admins (True) or only the others (False)."""
    return list(
        await conn.fetch(
            """SELECT gm.member_id, gm.role, gm.unit_id, gm.is_admin, m.name_hi, m.name_latin,
                      u.name_hi AS unit_name_hi, u.name_en AS unit_name_en
               FROM group_members gm JOIN members m ON m.member_id = gm.member_id
               LEFT JOIN units u ON u.unit_id = gm.unit_id
               WHERE gm.group_id = $1 AND ($2::text IS NULL OR gm.member_id > $2)
                 AND ($4::text[] IS NULL OR gm.role = ANY($4::text[]) OR gm.is_admin
                      OR gm.member_id = $5)
                 AND ($6::boolean IS NULL OR gm.is_admin = $6)
               ORDER BY gm.member_id LIMIT $3""",
            group_id,
            after,
            limit,
            list(only_roles) if only_roles is not None else None,
            also_member,
            admin,
        )
    )


async def changes_page(
    conn: Db, group_id: str, *, after: int | None, limit: int
) -> list[asyncpg.Record]:
    """A group's membership changes, newest first, with the members' names (None once erased:
    erasure deletes the member's rows here too)."""
    return list(
        await conn.fetch(
            """SELECT c.change_id, c.member_id, c.change, c.role, c.unit_id, c.is_admin, c.at,
                      m.name_hi, m.name_latin, u.name_hi AS unit_name_hi,
                      u.name_en AS unit_name_en
               FROM group_member_changes c
               LEFT JOIN members m ON m.member_id = c.member_id
               LEFT JOIN units u ON u.unit_id = c.unit_id
               WHERE c.group_id = $1 AND ($2::bigint IS NULL OR c.change_id < $2)
               ORDER BY c.change_id DESC LIMIT $3""",
            group_id,
            after,
            limit,
        )
    )
