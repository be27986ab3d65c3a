"""Publish what changed: compare each aggregate's current event with the one last published.

Each view in 002_docs.sql renders an aggregate as its event. A key whose md5 differs from the one
in `published` gets `version + 1` and one outbox record carrying its full state; a key whose
state did not change produces nothing, so re-importing the same file emits no event.
"""

from __future__ import annotations

from dataclasses import dataclass

from nazar_platform.db import Connection
from nazar_platform.outbox.publisher import CE_TIME_NOW, INSERT_INTO_OUTBOX, enqueue_statement

SOURCE = "/nazar/roster"


@dataclass(frozen=True)
class Topics:
    units: str
    members: str
    contacts: str
    groups: str


@dataclass(frozen=True)
class _Aggregate:
    name: str  # the `published.aggregate` value
    view: str
    key: str
    type: str


UNITS = _Aggregate("unit", "unit_docs", "unit_id", "nazar.unit.upserted.v1")
MEMBERS = _Aggregate("member", "members", "member_id", "nazar.member.upserted.v1")
CONTACTS = _Aggregate("contact", "contact_docs", "member_id", "nazar.contact.upserted.v1")
GROUPS = _Aggregate("group", "group_docs", "group_id", "nazar.group.upserted.v1")


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


def _texts(a: _Aggregate, selection: str) -> str:
    if a is MEMBERS:
        return MEMBER_TEXTS.format(selection=selection)
    return f"""texts AS MATERIALIZED (
    SELECT d.{a.key} AS key, d.doc::text AS t FROM {a.view} d WHERE {selection}
)"""


def _statement(a: _Aggregate, selection: str, history: bool) -> str:
    keep_history = (
        """, history AS (
            INSERT INTO unit_versions (unit_id, version, doc)
            SELECT c.key, c.version, d.t::jsonb || jsonb_build_object(
                'version', c.version, 'updated_at', roster_ts(c.updated_at))
            FROM changed c JOIN docs d ON d.key = c.key)"""
        if history
        else ""
    )
    return f"""
WITH {_texts(a, selection)}, docs AS MATERIALIZED (
    SELECT key, t, md5(t) AS h FROM texts
), changed AS (
    INSERT INTO published AS p (aggregate, key, version, hash, updated_at)
    SELECT '{a.name}', key, 1, h, now() FROM docs
    ON CONFLICT (aggregate, key) DO UPDATE
        SET version = p.version + 1, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at
        WHERE p.hash <> EXCLUDED.hash
    RETURNING p.key, p.version, p.updated_at
){keep_history}
{INSERT_INTO_OUTBOX}
SELECT $1, convert_to(c.key, 'UTF8'),
       -- The document is an object: prepend the two fields as text rather than re-encode it.
       convert_to('{{"version": ' || c.version || ', "updated_at": "' || roster_ts(c.updated_at)
                  || '", ' || substr(d.t, 2), 'UTF8'),
       gen_random_uuid()::text, $2, '{SOURCE}', {CE_TIME_NOW}, c.key
FROM changed c JOIN docs d ON d.key = c.key ORDER BY c.key
"""


async def _publish(
    conn: Connection, a: _Aggregate, topic: str, selection: str, *args: object
) -> int:
    return await enqueue_statement(
        conn, _statement(a, selection, history=a is UNITS), topic, a.type, *args
    )


async def forget(conn: Connection, aggregate: str, keys: list[str]) -> None:
    """After a tombstone: whatever comes next for the key is a change (with a higher version)."""
    await conn.execute(
        "UPDATE published SET hash = '-' WHERE aggregate = $1 AND key = ANY($2::text[])",
        aggregate,
        keys,
    )


def _where(
    a: _Aggregate, ids: list[str] | None, table: str | None
) -> tuple[str, tuple[object, ...]]:
    if table is not None:
        return f"d.{a.key} IN (SELECT {a.key} FROM {table})", ()
    if ids is None:
        return "true", ()
    return f"d.{a.key} = ANY($3::text[])", (ids,)


async def units(conn: Connection, topic: str, ids: list[str] | None = None) -> int:
    where, args = _where(UNITS, ids, None)
    return await _publish(conn, UNITS, topic, where, *args)


async def members(
    conn: Connection, topic: str, ids: list[str] | None = None, *, table: str | None = None
) -> int:
    where, args = _where(MEMBERS, ids, table)
    return await _publish(conn, MEMBERS, topic, where, *args)


async def contacts(
    conn: Connection, topic: str, ids: list[str] | None = None, *, table: str | None = None
) -> int:
    where, args = _where(CONTACTS, ids, table)
    return await _publish(conn, CONTACTS, topic, where, *args)


async def groups(conn: Connection, topic: str, ids: list[str] | None = None) -> int:
    where, args = _where(GROUPS, ids, None)
    return await _publish(conn, GROUPS, topic, where, *args)


async def tombstones(conn: Connection, topic: str, event_type: str, keys: list[str]) -> int:
    """A null value per key: the deletion a compacted topic keeps until the cleaner drops it."""
    return await enqueue_statement(
        conn,
        f"""{INSERT_INTO_OUTBOX}
        SELECT $1, convert_to(k, 'UTF8'), NULL, gen_random_uuid()::text, $2, '{SOURCE}',
               {CE_TIME_NOW}, k
        FROM unnest($3::text[]) AS k""",
        topic,
        event_type,
        keys,
    )
