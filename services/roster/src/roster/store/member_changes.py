"""An office's changes to one member in SQL (issue 20, item 3): transfer, (de)activation, consent
with its proof; and what a member's page reads besides the member: ended postings, the audit
entries about them. Never commits: the handler owns the transaction."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
from nazar_platform.db import Connection

from roster.store import Db


async def posting(conn: Db, member_id: str, unit_id: str | None) -> asyncpg.Record | None:
    """The member's posting at `unit_id` (their primary one when None)."""
    return await conn.fetchrow(
        """SELECT p.role, p.unit_id, p.is_primary, p.since FROM postings p
           JOIN members m ON m.member_id = p.member_id
           WHERE p.member_id = $1 AND m.erased_at IS NULL
             AND ($2::text IS NULL OR p.unit_id = $2)
           ORDER BY p.is_primary DESC, roster_seniority(p.role) LIMIT 1""",
        member_id,
        unit_id,
    )


async def unit(conn: Db, unit_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT unit_id, kind, active FROM units WHERE unit_id = $1", unit_id
    )


async def posted_at(conn: Db, member_id: str, role: str, unit_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM postings WHERE member_id = $1 AND role = $2 AND unit_id = $3",
            member_id,
            role,
            unit_id,
        )
    )


async def transfer(
    conn: Connection, member_id: str, role: str, from_unit: str, to_unit: str, on: date, by: str
) -> None:
    """End the posting at `from_unit` on `on` (the history trigger keeps it, with
    who ended it) and start the same role at `to_unit` from `on`, primary as the old one was."""
    await conn.execute(
        """SELECT set_config('roster.posting_until', $1, true),
                  set_config('roster.changed_by', $2, true)""",
        on.isoformat(),
        by,
    )
    primary = await conn.fetchval(
        """DELETE FROM postings WHERE member_id = $1 AND role = $2 AND unit_id = $3
           RETURNING is_primary""",
        member_id,
        role,
        from_unit,
    )
    await conn.execute(
        """INSERT INTO postings (member_id, role, unit_id, is_primary, since)
           VALUES ($1, $2, $3, $4, $5)""",
        member_id,
        role,
        to_unit,
        bool(primary),
        on,
    )
    await conn.execute(
        """SELECT set_config('roster.posting_until', '', true),
                  set_config('roster.changed_by', '', true)"""
    )


async def set_active(conn: Connection, member_id: str, active: bool) -> bool:
    """True when the member's state changed."""
    status = await conn.execute(
        """UPDATE members SET active = $2
           WHERE member_id = $1 AND erased_at IS NULL AND active IS DISTINCT FROM $2""",
        member_id,
        active,
    )
    return status.endswith(" 1")


async def record_consent(
    conn: Connection, member_id: str, *, state: str, method: str, purpose: str,
    given_on: date, by: str, at: datetime,
) -> bool:  # fmt: skip
    """A consent given (or withdrawn) on `given_on`, recorded by `by` at `at`, with its method."""
    if state == "withdrawn":
        status = await conn.execute(
            """UPDATE members SET consent_state = 'withdrawn', consent_withdrawn_at = $2,
                      consent_method = $3, consent_given_on = $4, consent_recorded_by = $5
               WHERE member_id = $1 AND erased_at IS NULL AND consent_required""",
            member_id, at, method, given_on, by,
        )  # fmt: skip
    else:
        status = await conn.execute(
            """UPDATE members SET consent_state = 'granted', consent_recorded_at = $2,
                      consent_method = $3, consent_purpose = $4, consent_withdrawn_at = NULL,
                      consent_given_on = $5, consent_recorded_by = $6
               WHERE member_id = $1 AND erased_at IS NULL AND consent_required""",
            member_id, at, method, purpose, given_on, by,
        )  # fmt: skip
    return status.endswith(" 1")


async def proof(conn: Db, member_id: str) -> asyncpg.Record | None:
    """The consent's proof: the day given and who recorded it (with their names)."""
    return await conn.fetchrow(
        """SELECT m.consent_given_on, m.consent_recorded_by, r.name_hi, r.name_latin
           FROM members m LEFT JOIN members r ON r.member_id = m.consent_recorded_by
           WHERE m.member_id = $1""",
        member_id,
    )


async def history(conn: Db, member_id: str) -> list[asyncpg.Record]:
    """The member's ended postings, the latest first, with the units' and enders' names."""
    return list(
        await conn.fetch(
            """SELECT h.role, h.unit_id, h.is_primary, h.since, h.until, h.ended_by,
                      u.name_hi AS unit_name_hi, u.name_en AS unit_name_en,
                      e.name_hi AS by_name_hi, e.name_latin AS by_name_latin
               FROM posting_history h LEFT JOIN units u ON u.unit_id = h.unit_id
               LEFT JOIN members e ON e.member_id = h.ended_by
               WHERE h.member_id = $1 ORDER BY h.until DESC, h.history_id DESC LIMIT 200""",
            member_id,
        )
    )


async def audit(conn: Db, member_id: str, before: int | None, limit: int) -> list[asyncpg.Record]:
    """The audit entries about the member (requests and automatic decisions), newest first."""
    return list(
        await conn.fetch(
            """SELECT a.id, a.at, a.member_id AS actor_id, a.actor, a.action, a.method, a.path,
                      a.status, a.outcome, a.reason, w.name_hi, w.name_latin
               FROM audit_log a LEFT JOIN members w ON w.member_id = a.member_id
               WHERE a.target_member = $1 AND ($2::bigint IS NULL OR a.id < $2)
               ORDER BY a.id DESC LIMIT $3""",
            member_id,
            before,
            limit,
        )
    )
