"""Member rows staged by COPY, checked and applied set-based: no round trip per row.

One pipeline serves the CSV import (300,000 rows) and the single-member API calls (one row), so
both follow the same rules: unit checks, the consent rules, the full-sync deactivation, and
"touched" tracking, which lists the members whose stored state really changed and is all the
publisher looks at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from nazar_contracts.vocabulary import Role
from nazar_platform.db import Connection

from roster.domain.roles import COMMUNITY_ROLES, allowed_unit_kinds
from roster.domain.rows import MemberRow
from roster.store import Db

_ROLE_KINDS = [(r.value, k.value) for r in Role for k in allowed_unit_kinds(r)]

_MEMBER_COLUMNS = (
    "row_no", "member_id", "key_kind", "personnel_no", "volunteer_id", "name_hi", "name_latin",
    "language", "active", "synthetic", "whatsapp", "sms", "consent_required", "consent_state",
    "consent_purpose",
    "consent_method", "consent_recorded_at", "consent_withdrawn_at",
)  # fmt: skip
_POSTING_COLUMNS = ("row_no", "member_id", "role", "unit_id", "is_primary", "since")


# The members whose stored state this transaction changed: all the publisher looks at.
TOUCHED = """CREATE TEMP TABLE IF NOT EXISTS touched (
    member_id text PRIMARY KEY, created boolean NOT NULL DEFAULT false) ON COMMIT DROP"""


# A bulk transaction sorts and hashes more than the default memory holds; JIT only slows it.
_TUNED = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"


async def tune_for_bulk(conn: Connection) -> None:
    await conn.execute(_TUNED)


async def touch(conn: Connection, member_ids: Iterable[str]) -> None:
    """List members as changed in this transaction (outside the staged pipeline)."""
    await conn.execute(TOUCHED)
    await conn.execute(
        "INSERT INTO touched SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", list(member_ids)
    )


async def track_touched(conn: Connection) -> None:
    """Start listing the members this transaction changes (empty until something touches one)."""
    await conn.execute(TOUCHED)


async def touch_posted_in(conn: Connection, unit_ids: Sequence[str]) -> None:
    """List the members posted in these units as changed (their units' paths moved)."""
    await conn.execute(
        """INSERT INTO touched SELECT DISTINCT member_id FROM postings
           WHERE unit_id = ANY($1::text[]) ON CONFLICT DO NOTHING""",
        list(unit_ids),
    )


async def drop_touched(conn: Connection) -> None:
    """Before the transaction ends: a consumer's next record in it starts from an empty list."""
    await conn.execute("DROP TABLE touched")


async def analyze_touched(conn: Connection) -> None:
    await conn.execute("ANALYZE touched")


async def analyze_members(db: Db) -> None:
    """Plans go wrong while the tables grow from nothing; statistics catch up here."""
    await db.execute("ANALYZE members, postings, contacts, published")


async def create(conn: Connection) -> None:
    await conn.execute(TOUCHED)
    await conn.execute(
        """
        CREATE TEMP TABLE stg_members (
            row_no int, member_id text, key_kind text, personnel_no text, volunteer_id text,
            name_hi text, name_latin text, language text, active boolean, synthetic boolean,
            whatsapp text, sms text, consent_required boolean, consent_state text,
            consent_purpose text,
            consent_method text, consent_recorded_at timestamptz,
            consent_withdrawn_at timestamptz) ON COMMIT DROP;
        CREATE TEMP TABLE stg_postings (
            row_no int, member_id text, role text, unit_id text, is_primary boolean,
            since date) ON COMMIT DROP;
        CREATE TEMP TABLE stg_seen (member_id text PRIMARY KEY) ON COMMIT DROP;
        CREATE TEMP TABLE stg_rejects (row_no int, reason text, col text, natural_key text)
            ON COMMIT DROP;
        """
    )


async def copy_rows(conn: Connection, rows: Sequence[MemberRow]) -> None:
    members: list[tuple[object, ...]] = []
    postings: list[tuple[object, ...]] = []
    for r in rows:
        granted = r.consent_state == "granted"
        withdrawn = r.consent_state == "withdrawn"
        members.append(
            (
                r.row_no,
                r.member_id,
                r.key_kind.value,
                r.personnel_no,
                r.volunteer_id,
                r.name_hi,
                r.name_latin,
                r.language.value,
                r.active,
                r.synthetic,
                r.whatsapp,
                r.sms,
                any(p.role in COMMUNITY_ROLES for p in r.postings),
                r.consent_state,
                r.consent_purpose,
                r.consent_method,
                r.consent_recorded_at if granted else None,
                r.consent_recorded_at if withdrawn else None,
            )
        )
        postings.extend(
            (r.row_no, r.member_id, p.role.value, p.unit_id, p.primary, p.since) for p in r.postings
        )
    await conn.copy_records_to_table("stg_members", records=members, columns=_MEMBER_COLUMNS)
    await conn.copy_records_to_table("stg_postings", records=postings, columns=_POSTING_COLUMNS)


async def mark_seen(conn: Connection, member_ids: Iterable[str]) -> None:
    """The members the file names (rows rejected for their content included) for a full sync."""
    await conn.copy_records_to_table("stg_seen", records=[(m,) for m in set(member_ids)])


async def check(conn: Connection, scope: Sequence[str] | None, unit_column: str = "unit") -> None:
    """Reject, set-based, what only the database can tell; rejected rows leave the staging.

    A row may be rejected for several reasons here (erased, and each of its postings): the
    caller merges them into one rejection per row. `unit_column` names the file's column of the
    primary posting; the others come from `additional_charge`."""
    await conn.execute(
        """
        ANALYZE stg_members; ANALYZE stg_postings;
        """
    )
    await conn.execute(
        """
        INSERT INTO stg_rejects (row_no, reason, col)
        SELECT s.row_no, 'erased-member', NULL FROM stg_members s
        JOIN members m ON m.member_id = s.member_id WHERE m.erased_at IS NOT NULL
        UNION ALL
        SELECT p.row_no,
               CASE WHEN u.unit_id IS NULL THEN 'unknown-unit'
                    WHEN NOT u.active THEN 'unit-closed'
                    WHEN NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(role, kind)
                                     WHERE k.role = p.role AND k.kind = u.kind)
                         THEN 'rank-not-allowed-at-unit'
                    ELSE 'outside-scope' END,
               CASE WHEN p.is_primary THEN $4 ELSE 'additional_charge' END
        FROM stg_postings p LEFT JOIN units u ON u.unit_id = p.unit_id
        WHERE u.unit_id IS NULL OR NOT u.active
           OR NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS k(role, kind)
                          WHERE k.role = p.role AND k.kind = u.kind)
           OR ($3::text[] IS NOT NULL AND NOT u.path && $3::text[])
        """,
        [r for r, _ in _ROLE_KINDS],
        [k for _, k in _ROLE_KINDS],
        list(scope) if scope is not None else None,
        unit_column,
    )
    await conn.execute(
        """
        UPDATE stg_rejects r SET natural_key = coalesce(m.personnel_no, m.volunteer_id)
        FROM stg_members m WHERE m.row_no = r.row_no;
        DELETE FROM stg_members WHERE row_no IN (SELECT row_no FROM stg_rejects);
        DELETE FROM stg_postings WHERE row_no IN (SELECT row_no FROM stg_rejects);
        """
    )


async def rejections(conn: Connection) -> list[tuple[int, str | None, str, str | None]]:
    """(row, the key a clerk knows the row by, reason, column) of rows the checks rejected."""
    rows = await conn.fetch(
        "SELECT row_no, natural_key, reason, col FROM stg_rejects"
        " ORDER BY row_no, reason, col NULLS FIRST"  # one order every run: reports are compared
    )
    return [(r["row_no"], r["natural_key"], r["reason"], r["col"]) for r in rows]


# What the file says about consent never silently overrides what the member said: a withdrawal
# stands until a grant dated after it; "pending" in a file changes nothing recorded.
_RESOLVE_CONSENT = """
UPDATE stg_members s SET
    consent_state = CASE d.pick WHEN 'cur' THEN d.m_state
                                WHEN 'file' THEN s.consent_state ELSE 'withdrawn' END,
    consent_purpose = CASE d.pick WHEN 'file' THEN s.consent_purpose
                                  ELSE COALESCE(d.m_purpose, s.consent_purpose) END,
    consent_method = CASE d.pick WHEN 'file' THEN s.consent_method
                                 ELSE COALESCE(d.m_method, s.consent_method) END,
    consent_recorded_at = CASE d.pick WHEN 'file' THEN s.consent_recorded_at ELSE d.m_rec END,
    consent_withdrawn_at = CASE d.pick WHEN 'cur' THEN d.m_wd ELSE s.consent_withdrawn_at END
FROM (
    SELECT f.row_no, m.consent_state AS m_state, m.consent_purpose AS m_purpose,
           m.consent_method AS m_method, m.consent_recorded_at AS m_rec,
           m.consent_withdrawn_at AS m_wd,
           CASE WHEN f.consent_state IS NULL THEN 'cur'
                WHEN m.consent_state IS NULL OR m.consent_state = 'pending' THEN 'file'
                WHEN f.consent_state = 'pending' THEN 'cur'
                WHEN f.consent_state = m.consent_state THEN
                    CASE WHEN f.consent_state = 'granted'
                              AND f.consent_recorded_at > m.consent_recorded_at
                         THEN 'file' ELSE 'cur' END
                WHEN f.consent_state = 'withdrawn' THEN 'withdraw'
                WHEN f.consent_state = 'granted'
                     AND f.consent_recorded_at > m.consent_withdrawn_at THEN 'file'
                ELSE 'cur' END AS pick
    FROM stg_members f JOIN members m ON m.member_id = f.member_id
) d
WHERE d.row_no = s.row_no
"""

_UPSERT_MEMBERS = """
WITH up AS (
    INSERT INTO members AS m (member_id, key_kind, personnel_no, volunteer_id, name_hi,
        name_latin, preferred_language, active, synthetic, consent_required, consent_state,
        consent_purpose, consent_method, consent_recorded_at, consent_withdrawn_at)
    SELECT member_id, key_kind, personnel_no, volunteer_id, name_hi, name_latin, language,
           active, synthetic, consent_required, consent_state, consent_purpose, consent_method,
           consent_recorded_at, consent_withdrawn_at
    FROM stg_members
    ON CONFLICT (member_id) DO UPDATE SET
        personnel_no = EXCLUDED.personnel_no, volunteer_id = EXCLUDED.volunteer_id,
        name_hi = EXCLUDED.name_hi, name_latin = EXCLUDED.name_latin,
        preferred_language = EXCLUDED.preferred_language, active = EXCLUDED.active,
        synthetic = EXCLUDED.synthetic, consent_required = EXCLUDED.consent_required,
        consent_state = EXCLUDED.consent_state,
        consent_purpose = EXCLUDED.consent_purpose, consent_method = EXCLUDED.consent_method,
        consent_recorded_at = EXCLUDED.consent_recorded_at,
        consent_withdrawn_at = EXCLUDED.consent_withdrawn_at
    WHERE (m.personnel_no, m.volunteer_id, m.name_hi, m.name_latin, m.preferred_language,
           m.active, m.synthetic, m.consent_required, m.consent_state, m.consent_purpose,
           m.consent_method, m.consent_recorded_at, m.consent_withdrawn_at)
          IS DISTINCT FROM
          (EXCLUDED.personnel_no, EXCLUDED.volunteer_id, EXCLUDED.name_hi, EXCLUDED.name_latin,
           EXCLUDED.preferred_language, EXCLUDED.active, EXCLUDED.synthetic,
           EXCLUDED.consent_required, EXCLUDED.consent_state, EXCLUDED.consent_purpose,
           EXCLUDED.consent_method, EXCLUDED.consent_recorded_at, EXCLUDED.consent_withdrawn_at)
    RETURNING m.member_id, m.xmax = 0 AS created  -- xmax 0: inserted, not updated
)
INSERT INTO touched SELECT member_id, created FROM up ON CONFLICT DO NOTHING
"""

_POSTINGS = """
WITH gone AS (
    DELETE FROM postings p
    WHERE p.member_id IN (SELECT member_id FROM stg_members)
      AND NOT EXISTS (SELECT 1 FROM stg_postings s WHERE s.member_id = p.member_id
                      AND s.role = p.role AND s.unit_id = p.unit_id)
    RETURNING p.member_id
), changed AS (
    UPDATE postings p SET is_primary = s.is_primary, since = COALESCE(s.since, p.since)
    FROM stg_postings s
    WHERE s.member_id = p.member_id AND s.role = p.role AND s.unit_id = p.unit_id
      AND (p.is_primary, p.since) IS DISTINCT FROM (s.is_primary, COALESCE(s.since, p.since))
    RETURNING p.member_id
), added AS (
    INSERT INTO postings (member_id, role, unit_id, is_primary, since)
    SELECT member_id, role, unit_id, is_primary, COALESCE(since, current_date) FROM stg_postings
    ON CONFLICT (member_id, role, unit_id) DO NOTHING
    RETURNING member_id
)
INSERT INTO touched
SELECT member_id FROM gone UNION SELECT member_id FROM changed UNION SELECT member_id FROM added
ON CONFLICT DO NOTHING
"""

_CONTACTS = """
WITH up AS (
    INSERT INTO contacts AS c (member_id, whatsapp, sms)
    SELECT member_id, whatsapp, sms FROM stg_members
    ON CONFLICT (member_id) DO UPDATE SET whatsapp = EXCLUDED.whatsapp, sms = EXCLUDED.sms
    WHERE (c.whatsapp, c.sms) IS DISTINCT FROM (EXCLUDED.whatsapp, EXCLUDED.sms)
    RETURNING c.member_id
)
INSERT INTO touched SELECT member_id FROM up ON CONFLICT DO NOTHING
"""


async def apply(conn: Connection) -> None:
    await conn.execute(_RESOLVE_CONSENT)
    await conn.execute(_UPSERT_MEMBERS)
    await conn.execute(_POSTINGS)
    await conn.execute(_CONTACTS)


# Members of the list's kind, active, whose primary posting is in the importer's area ($2, NULL:
# the whole state): those a full sync weighs.
_IN_AREA = """m.active AND m.erased_at IS NULL AND m.key_kind = ANY($1::text[])
    AND EXISTS (SELECT 1 FROM postings p JOIN units u ON u.unit_id = p.unit_id
                WHERE p.member_id = m.member_id AND p.is_primary
                  AND ($2::text[] IS NULL OR u.path && $2::text[]))"""
_ABSENT = "NOT EXISTS (SELECT 1 FROM stg_seen s WHERE s.member_id = m.member_id)"


async def review_absent(
    conn: Connection, import_id: str, key_kinds: Sequence[str], scope: Sequence[str] | None,
    uploader: str,
) -> tuple[int, int]:  # fmt: skip
    """Full-sync review: list in import_deactivations the members in the area absent from the
    file (stg_seen), never the uploader; (how many, how many active in the area)."""
    args = (list(key_kinds), list(scope) if scope is not None else None)
    status = await conn.execute(
        f"""INSERT INTO import_deactivations (import_id, member_id)
            SELECT $3, m.member_id FROM members m
            WHERE {_IN_AREA} AND {_ABSENT} AND m.member_id <> $4""",
        *args,
        import_id,
        uploader,
    )
    active: int = await conn.fetchval(f"SELECT count(*) FROM members m WHERE {_IN_AREA}", *args)
    return int(status.split()[-1]), active


async def deactivate_reviewed(
    conn: Connection, import_id: str, key_kinds: Sequence[str], scope: Sequence[str] | None
) -> int:
    """A confirmed full sync deactivates the members its review listed, and only those still in
    the area and still absent from the file."""
    status = await conn.execute(
        f"""
        WITH gone AS (
            UPDATE members m SET active = false
            FROM import_deactivations d
            WHERE d.import_id = $3 AND d.member_id = m.member_id AND {_IN_AREA} AND {_ABSENT}
            RETURNING m.member_id
        )
        INSERT INTO touched SELECT member_id FROM gone ON CONFLICT DO NOTHING
        """,
        list(key_kinds),
        list(scope) if scope is not None else None,
        import_id,
    )
    return int(status.split()[-1])


async def touched_count(conn: Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM touched")
    return count


async def created_count(conn: Connection) -> int:
    """Members this transaction created (rather than changed)."""
    count: int = await conn.fetchval("SELECT count(*) FROM touched WHERE created")
    return count
