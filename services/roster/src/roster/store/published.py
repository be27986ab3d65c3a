"""What changed since it was last published: each aggregate's current document against `published`.

Each view in 002_docs.sql renders an aggregate as its event's data. A key whose md5 differs from
the one in `published` gets `version + 1` and one row (key, value) carrying its full state; a key
whose state did not change yields nothing, so re-importing the same file emits no event. The
rows are what `nazar_platform.outbox.enqueue_select` turns into outbox records
(`roster.handlers.events` maps each aggregate to its event).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nazar_platform.db import Connection


@dataclass(frozen=True)
class Aggregate:
    name: str  # the `published.aggregate` value
    view: str
    key: str


UNITS = Aggregate("unit", "unit_docs", "unit_id")
MEMBERS = Aggregate("member", "members", "member_id")
CONTACTS = Aggregate("contact", "contact_docs", "member_id")
GROUPS = Aggregate("group", "group_docs", "group_id")


@dataclass(frozen=True)
class Changes:
    """`select` of (key, value) over the WITH items `ctes`, with its arguments `args`."""

    ctes: str
    select: str
    args: tuple[object, ...]


# The member document. `{selection}` filters `members d`.
MEMBER_TEXTS = """
sel AS MATERIALIZED (
    SELECT d.member_id FROM members d WHERE ({selection}) AND d.erased_at IS NULL
), posted AS (
    SELECT p.member_id,
           json_agg(json_build_object('role', p.role, 'unit_id', p.unit_id,
                                        'unit_path', to_json(u.path), 'primary', p.is_primary,
                                        'since', p.since)
                     ORDER BY p.is_primary DESC, p.role, p.unit_id) AS postings
    FROM sel JOIN postings p ON p.member_id = sel.member_id
    JOIN units u ON u.unit_id = p.unit_id
    GROUP BY p.member_id
), texts AS MATERIALIZED (
    SELECT m.member_id AS key, json_build_object(
        'member_id', m.member_id, 'name_hi', m.name_hi, 'name_latin', m.name_latin,
        'postings', COALESCE(posted.postings, '[]'::json),
        'preferred_language', m.preferred_language,
        'has_whatsapp', c.whatsapp IS NOT NULL, 'has_sms', c.sms IS NOT NULL,
        'active', m.active,
        'consent', json_build_object(
            'required', m.consent_required, 'state', cs.state,
            'purpose', CASE WHEN cs.state IN ('granted', 'withdrawn') THEN m.consent_purpose END,
            'method', CASE WHEN cs.state IN ('granted', 'withdrawn') THEN m.consent_method END,
            'recorded_at', CASE WHEN cs.state IN ('granted', 'withdrawn')
                                THEN roster_ts(m.consent_recorded_at) END,
            'withdrawn_at', CASE WHEN cs.state = 'withdrawn'
                                 THEN roster_ts(m.consent_withdrawn_at) END),
        'personnel_no', m.personnel_no, 'volunteer_id', m.volunteer_id,
        'synthetic', m.synthetic)::text AS t
    FROM sel JOIN members m ON m.member_id = sel.member_id
    CROSS JOIN LATERAL (
        SELECT roster_consent_state(m.consent_required, m.consent_state) AS state) cs
    LEFT JOIN posted ON posted.member_id = m.member_id
    LEFT JOIN contacts c ON c.member_id = m.member_id
)"""


def _texts(a: Aggregate, selection: str) -> str:
    if a is MEMBERS:
        return MEMBER_TEXTS.format(selection=selection)
    return f"""texts AS MATERIALIZED (
    SELECT d.{a.key} AS key, d.doc::text AS t FROM {a.view} d WHERE {selection}
)"""


def _ctes(a: Aggregate, selection: str) -> str:
    keep_history = (
        """, history AS (
            INSERT INTO unit_versions (unit_id, version, doc)
            SELECT c.key, c.version, d.t::jsonb || jsonb_build_object(
                'version', c.version, 'updated_at', roster_ts(c.updated_at))
            FROM changed c JOIN docs d ON d.key = c.key)"""
        if a is UNITS
        else ""
    )
    return f"""{_texts(a, selection)}, docs AS MATERIALIZED (
    SELECT key, t, md5(t) AS h FROM texts
), changed AS (
    INSERT INTO published AS p (aggregate, key, version, hash, updated_at)
    SELECT '{a.name}', key, 1, h, now() FROM docs
    ON CONFLICT (aggregate, key) DO UPDATE
        SET version = p.version + 1, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at
        WHERE p.hash <> EXCLUDED.hash
    RETURNING p.key, p.version, p.updated_at
){keep_history}"""


# The document is an object: prepend the two fields as text rather than re-encode it.
_CHANGED = """SELECT c.key,
       '{"version": ' || c.version || ', "updated_at": "' || roster_ts(c.updated_at) || '", '
       || substr(d.t, 2) AS value
FROM changed c JOIN docs d ON d.key = c.key ORDER BY c.key"""


def changes(
    a: Aggregate, ids: list[str] | None = None, *, table: str | None = None, where: str = "true"
) -> Changes:
    """The changed documents of `a`: of the keys in `ids`, or listed in the temporary `table`,
    or all of them; of those, the documents `d` that pass `where` (SQL over `d.doc`)."""
    if table is not None:
        selection = f"d.{a.key} IN (SELECT {a.key} FROM {table}) AND ({where})"
        return Changes(_ctes(a, selection), _CHANGED, ())
    if ids is None:
        return Changes(_ctes(a, where), _CHANGED, ())
    return Changes(_ctes(a, f"d.{a.key} = ANY($1::text[]) AND ({where})"), _CHANGED, (ids,))


# Units of a v1 kind go out as nazar.unit.upserted.v1, the others (a branch) as v2 only, so a v1
# consumer reads every unit it understands and a compacted key keeps one type.
def unit_kind_in(kinds: Iterable[str]) -> str:
    quoted = ", ".join(f"'{k}'" for k in sorted(kinds))  # enum values: [a-z_] only
    return f"(d.doc->>'kind') IN ({quoted})"


# A tombstone per key: a null value, the deletion a compacted topic keeps until the cleaner runs.
TOMBSTONES = "SELECT k AS key, NULL::text AS value FROM unnest($1::text[]) AS k"


async def forget(conn: Connection, aggregate: Aggregate, keys: list[str]) -> None:
    """After a tombstone: whatever comes next for the key is a change (with a higher version)."""
    await conn.execute(
        "UPDATE published SET hash = '-' WHERE aggregate = $1 AND key = ANY($2::text[])",
        aggregate.name,
        keys,
    )
