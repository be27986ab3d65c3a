"""The tree pages in SQL: a unit's counts over its subtree, its own members, its groups."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from roster.store import Db
from roster.store.units import UNIT_COLUMNS


async def counts(conn: Db, unit_id: str) -> list[asyncpg.Record]:
    """(role, consent, unreachable, n) over the active members posted in the unit's subtree.

    A member counts once, under their primary (else most senior) posting in the subtree. The
    subtree comes from the GIN index on units.path, the postings from postings_unit_member: a
    district of 6,000 reads only its own rows; the state aggregates all of them in one pass.
    """
    return list(
        await conn.fetch(
            """
            WITH sub AS (SELECT unit_id FROM units WHERE path @> ARRAY[$1::text] AND active),
                 one AS (SELECT DISTINCT ON (p.member_id) p.member_id, p.role
                         FROM postings p JOIN sub ON sub.unit_id = p.unit_id
                         ORDER BY p.member_id, p.is_primary DESC, roster_seniority(p.role))
            SELECT o.role, roster_consent_state(m.consent_required, m.consent_state) AS consent,
                   (c.whatsapp IS NULL AND c.sms IS NULL) AS unreachable, count(*)::int AS n
            FROM one o
            JOIN members m ON m.member_id = o.member_id AND m.active AND m.erased_at IS NULL
            LEFT JOIN contacts c ON c.member_id = o.member_id
            GROUP BY 1, 2, 3
            """,
            unit_id,
        )
    )


async def roots(conn: Db, scope: Sequence[str] | None) -> list[asyncpg.Record]:
    """The tops of the caller's tree: the state when they may see everywhere, else the units of
    their scope that are not inside another unit of it."""
    return list(
        await conn.fetch(
            f"""SELECT {UNIT_COLUMNS} FROM units
                WHERE CASE WHEN $1::text[] IS NULL THEN parent_id IS NULL
                           ELSE unit_id = ANY($1::text[])
                                AND NOT path[1:cardinality(path) - 1] && $1::text[] END
                ORDER BY path""",
            None if scope is None else list(scope),
        )
    )


async def members(conn: Db, unit_id: str, *, after: str | None, limit: int) -> list[asyncpg.Record]:
    """The members posted at the unit itself (not below it), keyset-paged by member id."""
    return list(
        await conn.fetch(
            """SELECT DISTINCT ON (p.member_id) m.member_id, m.name_hi, m.name_latin, m.active,
                      p.role, p.is_primary,
                      roster_consent_state(m.consent_required, m.consent_state) AS consent,
                      (c.whatsapp IS NOT NULL OR c.sms IS NOT NULL) AS reachable
               FROM postings p JOIN members m ON m.member_id = p.member_id
               LEFT JOIN contacts c ON c.member_id = p.member_id
               WHERE p.unit_id = $1 AND m.erased_at IS NULL
                 AND ($2::text IS NULL OR p.member_id > $2)
               ORDER BY p.member_id, roster_seniority(p.role) LIMIT $3""",
            unit_id,
            after,
            limit,
        )
    )


async def groups(conn: Db, unit_id: str) -> list[asyncpg.Record]:
    """The groups of a unit: its own, its circle's (a police station's), its circles' (a
    district's)."""
    return list(
        await conn.fetch(
            """SELECT g.group_id, g.kind, g.unit_id, g.name_hi, g.name_en, pb.version,
                      (SELECT count(*) FROM group_members gm WHERE gm.group_id = g.group_id)
                          AS member_count
               FROM units self
               JOIN groups g ON g.active AND (g.unit_id = self.unit_id
                    OR g.unit_id = self.circle_id
                    OR g.unit_id IN (SELECT c.unit_id FROM units c
                                     WHERE c.parent_id = self.unit_id AND c.kind = 'circle'))
               LEFT JOIN published pb ON pb.aggregate = 'group' AND pb.key = g.group_id
               WHERE self.unit_id = $1
               ORDER BY g.kind <> 'circle', g.group_id""",
            unit_id,
        )
    )
