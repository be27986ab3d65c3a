"""Members in SQL: reads, search, consent and erasure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.store import Db

MEMBER_COLUMNS = """m.member_id, m.key_kind, m.personnel_no, m.volunteer_id, m.name_hi,
    m.name_latin, m.preferred_language, m.active, m.synthetic, m.consent_required,
    m.consent_state, m.consent_purpose, m.consent_method, m.consent_recorded_at,
    m.consent_withdrawn_at, pb.version, pb.updated_at"""
PUBLISHED_JOIN = "LEFT JOIN published pb ON pb.aggregate = 'member' AND pb.key = m.member_id"


async def get(conn: Db, member_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {MEMBER_COLUMNS}, c.whatsapp, c.sms FROM members m
            LEFT JOIN contacts c ON c.member_id = m.member_id {PUBLISHED_JOIN}
            WHERE m.member_id = $1 AND m.erased_at IS NULL""",
        member_id,
    )


async def is_erased(conn: Db, member_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT erased_at IS NOT NULL FROM members WHERE member_id = $1", member_id
        )
    )


async def postings(conn: Db, member_ids: Sequence[str]) -> dict[str, list[Any]]:
    rows = await conn.fetch(
        """SELECT p.member_id, p.role, p.unit_id, p.is_primary, p.since, u.path, u.name_hi,
                  u.name_en, u.kind
           FROM postings p JOIN units u ON u.unit_id = p.unit_id
           WHERE p.member_id = ANY($1::text[])
           ORDER BY p.member_id, p.is_primary DESC, p.role, p.unit_id""",
        list(member_ids),
    )
    out: dict[str, list[Any]] = {}
    for r in rows:
        out.setdefault(r["member_id"], []).append(r)
    return out


async def units_of(conn: Db, member_id: str) -> list[list[str]]:
    """Paths of the units a member is posted at (for scope checks)."""
    rows = await conn.fetch(
        """SELECT u.path FROM postings p JOIN units u ON u.unit_id = p.unit_id
           WHERE p.member_id = $1""",
        member_id,
    )
    return [list(r["path"]) for r in rows]


async def search(
    conn: Db,
    *,
    name: str | None,
    unit_id: str | None,
    role: str | None,
    scope: Sequence[str] | None,
    extra_ids: Sequence[str],
    after: str | None,
    limit: int,
    active: bool | None = None,
    consent: str | None = None,
    channel: str | None = None,
) -> list[asyncpg.Record]:
    """Members matching every given filter, within `scope` (unit ids whose subtrees the caller
    may see; None means everywhere) or among `extra_ids`; keyset-paged by member id.

    A name matches as a substring of the name in its script (Devanagari: the Hindi name; else
    the Latin one, case-insensitively; the trigram indexes serve it). Only the filters given go
    into the query, each as a semi-join the planner can hash, so a narrow filter (an SHO role in
    one district) never walks every member.
    `active`, `consent` (a state: granted, pending, withdrawn, not_required) and `channel`
    (whatsapp, sms: has one; none: has neither) narrow it further (the office's member list).
    """
    where = ["m.erased_at IS NULL"]
    args: list[object] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if name:
        pattern = arg(
            "%" + name.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
        )
        # Devanagari is looked for in the Hindi name, anything else in the Latin one: one
        # trigram index per search (an OR of both made the planner read every member).
        if _devanagari(name):
            where.append(f"m.name_hi LIKE {pattern}")
        else:
            where.append(f"lower(m.name_latin) LIKE lower({pattern})")
    # A unit's subtree drives the page: its members' ids (an index-only read of the postings),
    # sorted, then each member's row until the page is full — never every member's row first.
    driver = None
    if unit_id:
        cond = f"u.path @> ARRAY[{arg(unit_id)}]"
        if after is not None:
            cond += f" AND p.member_id > {arg(after)}"
        driver = f"""SELECT DISTINCT p.member_id FROM postings p
                     JOIN units u ON u.unit_id = p.unit_id WHERE {cond}"""
    if role:
        where.append(
            f"EXISTS (SELECT 1 FROM postings q WHERE q.member_id = m.member_id"
            f" AND q.role = {arg(role)})"
            if driver
            else f"m.member_id IN (SELECT member_id FROM postings WHERE role = {arg(role)})"
        )
    if scope is not None:
        where.append(
            f"""m.member_id IN (SELECT p.member_id FROM postings p
                JOIN units u ON u.unit_id = p.unit_id WHERE u.path && {arg(list(scope))}::text[]
                UNION ALL SELECT unnest({arg(list(extra_ids))}::text[]))"""
        )
    if active is not None:
        where.append(f"m.active = {arg(active)}")
    if consent:
        where.append(CONSENT_STATES[consent])
    if channel in ("whatsapp", "sms"):
        where.append(
            f"EXISTS (SELECT 1 FROM contacts c WHERE c.member_id = m.member_id"
            f" AND c.{channel} IS NOT NULL)"
        )
    elif channel == "none":  # every member has a contacts row (staging writes one)
        where.append(
            """EXISTS (SELECT 1 FROM contacts c WHERE c.member_id = m.member_id
               AND c.whatsapp IS NULL AND c.sms IS NULL)"""
        )
    if after is not None and not driver:
        where.append(f"m.member_id > {arg(after)}")
    source = (
        f"({driver}) ids JOIN members m ON m.member_id = ids.member_id" if driver else "members m"
    )
    order = "ids.member_id" if driver else "m.member_id"
    if driver and name and _devanagari(name):
        # A Hindi name within a unit: each of the unit's members in order, until the page is full
        # (index-only on `members_list`). A common Hindi surname is in thousands of rows
        # state-wide and its trigrams (split at every vowel sign) narrow little: read that way,
        # it cost 10 times more. A Latin name's trigrams are selective: the planner's choice.
        source = f"""({driver}) ids CROSS JOIN LATERAL (SELECT m.member_id FROM members m
                     WHERE m.member_id = ids.member_id AND {" AND ".join(where)} OFFSET 0) m"""
        where = ["true"]
    # The page's ids first (members and the filters only), then what each row shows: joining
    # the contacts and versions of every member of a district before the LIMIT cost 5x more.
    query = f"""SELECT {MEMBER_COLUMNS}, c.whatsapp IS NOT NULL AS has_whatsapp,
                       c.sms IS NOT NULL AS has_sms
                FROM (SELECT m.member_id FROM {source} WHERE {" AND ".join(where)}
                      ORDER BY {order} LIMIT {arg(limit)}) page
                JOIN members m ON m.member_id = page.member_id
                LEFT JOIN contacts c ON c.member_id = m.member_id {PUBLISHED_JOIN}
                ORDER BY m.member_id"""
    return list(await conn.fetch(query, *args))


def _devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


# A consent state as columns the planner has statistics for (roster_consent_state's cases).
CONSENT_STATES = {
    "not_required": "NOT m.consent_required",
    "granted": "m.consent_required AND m.consent_state = 'granted'",
    "withdrawn": "m.consent_required AND m.consent_state = 'withdrawn'",
    "pending": """m.consent_required AND m.consent_state IS DISTINCT FROM 'granted'
                  AND m.consent_state IS DISTINCT FROM 'withdrawn'""",
}

# Command and state roles: who a member of a group may see in it besides themselves.
OFFICER_ROLES = [
    "sho", "co", "sp", "ig", "adg", "home_secretary", "joint_secretary_home", "police_pro",
    "sp_phq_crime",
]  # fmt: skip


async def officers_of_groups_of(conn: Db, member_id: str) -> list[str]:
    """The officers who are members or admins of the groups `member_id` belongs to."""
    rows = await conn.fetch(
        """SELECT DISTINCT o.member_id FROM group_members mine
           JOIN group_members o ON o.group_id = mine.group_id
           WHERE mine.member_id = $1 AND (o.role = ANY($2::text[]) OR o.is_admin)""",
        member_id,
        OFFICER_ROLES,
    )
    return [r["member_id"] for r in rows]


async def set_consent(
    conn: Connection,
    member_id: str,
    *,
    state: str,
    method: str | None,
    purpose: str | None,
    at: datetime,
) -> bool:
    """Grant or withdraw; True when something changed."""
    if state == "withdrawn":
        status = await conn.execute(
            """UPDATE members SET consent_state = 'withdrawn', consent_withdrawn_at = $2
               WHERE member_id = $1 AND erased_at IS NULL
                 AND consent_state IS DISTINCT FROM 'withdrawn'""",
            member_id,
            at,
        )
    else:
        status = await conn.execute(
            """UPDATE members SET consent_state = 'granted', consent_recorded_at = $2,
                      consent_method = $3, consent_purpose = $4, consent_withdrawn_at = NULL
               WHERE member_id = $1 AND erased_at IS NULL
                 AND (consent_state, consent_method, consent_purpose)
                     IS DISTINCT FROM ('granted', $3, $4)""",
            member_id,
            at,
            method,
            purpose,
        )
    return status.endswith(" 1")


async def erase(conn: Connection, member_id: str, topics: Sequence[str]) -> bool:
    """Remove personal data, keep an opaque row so a re-import cannot silently resurrect the
    member, and drop every outbox row that carried their name or number."""
    status = await conn.execute(
        """UPDATE members SET name_hi = NULL, name_latin = NULL, personnel_no = NULL,
                  volunteer_id = NULL, active = false, consent_state = NULL,
                  consent_purpose = NULL, consent_method = NULL, consent_recorded_at = NULL,
                  consent_withdrawn_at = NULL, erased_at = now()
           WHERE member_id = $1 AND erased_at IS NULL""",
        member_id,
    )
    if not status.endswith(" 1"):
        return False
    await conn.execute("DELETE FROM contacts WHERE member_id = $1", member_id)
    await conn.execute("DELETE FROM push_subscriptions WHERE member_id = $1", member_id)
    await conn.execute("DELETE FROM postings WHERE member_id = $1", member_id)
    await conn.execute("DELETE FROM group_member_changes WHERE member_id = $1", member_id)
    await conn.execute(
        "UPDATE import_rejections SET natural_key = NULL, cells = NULL WHERE member_id = $1",
        member_id,
    )
    await conn.execute(
        "DELETE FROM outbox WHERE key = convert_to($1, 'UTF8') AND topic = ANY($2::text[])",
        member_id,
        list(topics),
    )
    # Stored answers to idempotent POSTs (e.g. the member's creation) repeat their record.
    await conn.execute(
        """DELETE FROM idempotency_keys
           WHERE caller = $1 OR position(convert_to($1, 'UTF8') IN response_body) > 0""",
        member_id,
    )
    return True


async def grants(conn: Db, member_id: str) -> list[tuple[str, str]]:
    """(role, unit) of each posting of an active member, the primary one first."""
    rows = await conn.fetch(
        """SELECT p.role, p.unit_id FROM postings p JOIN members m ON m.member_id = p.member_id
           WHERE p.member_id = $1 AND m.active AND m.erased_at IS NULL
           ORDER BY p.is_primary DESC, p.role""",
        member_id,
    )
    return [(r["role"], r["unit_id"]) for r in rows]


async def identity(conn: Db, member_id: str) -> list[asyncpg.Record]:
    """Each posting of an active member with what a person reads: the member's names, the unit's
    kind and names (the sign-in's answer; the primary posting first, as `grants`)."""
    return list(
        await conn.fetch(
            """SELECT m.name_hi, m.name_latin, p.role, p.unit_id, u.kind AS unit_kind,
                      u.name_hi AS unit_name_hi, u.name_en AS unit_name_en
               FROM postings p JOIN members m ON m.member_id = p.member_id
               JOIN units u ON u.unit_id = p.unit_id
               WHERE p.member_id = $1 AND m.active AND m.erased_at IS NULL
               ORDER BY p.is_primary DESC, p.role""",
            member_id,
        )
    )


async def officers_to_sign_in(conn: Db, limit: int = 60) -> list[asyncpg.Record]:
    """Active officers by their primary posting, most senior first (the dev sign-in page)."""
    return list(
        await conn.fetch(
            """SELECT m.member_id, m.name_hi, m.name_latin, p.role, p.unit_id,
                      u.kind AS unit_kind, u.name_hi AS u_hi, u.name_en AS u_en
               FROM postings p JOIN members m ON m.member_id = p.member_id
               JOIN units u ON u.unit_id = p.unit_id
               WHERE p.is_primary AND m.active AND m.erased_at IS NULL
                 AND p.role = ANY($1::text[])
               ORDER BY roster_seniority(p.role), u.name_en LIMIT $2""",
            OFFICER_ROLES,
            limit,
        )
    )
