"""Sign-in attempts in SQL (table `sign_ins`, migrations 005 and 006): codes and tickets only as
keyed hashes, phone numbers only as keyed hashes."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from roster.domain.sign_in import Attempt, Signer, Window
from roster.store import Db


async def signer(conn: Db, phone: str) -> Signer | None:
    """The member the number belongs to; None when no one, or when several members share it
    (a station's phone signs in no one: whose grants would it get?)."""
    rows = await conn.fetch(
        """SELECT m.member_id, m.active, m.erased_at IS NOT NULL AS erased, m.consent_required,
                  m.consent_state, m.preferred_language, c.whatsapp, c.sms,
                  coalesce((SELECT array_agg(ARRAY[p.role, p.unit_id] ORDER BY p.is_primary DESC)
                            FROM postings p WHERE p.member_id = m.member_id), '{}') AS roles
           FROM contacts c JOIN members m ON m.member_id = c.member_id
           WHERE c.whatsapp = $1 OR c.sms = $1
           LIMIT 2""",
        phone,
    )
    if len(rows) != 1:
        return None
    r = rows[0]
    return Signer(
        member_id=r["member_id"],
        active=r["active"],
        erased=r["erased"],
        consent_required=r["consent_required"],
        consent_state=r["consent_state"],
        whatsapp=r["whatsapp"],
        sms=r["sms"],
        roles=tuple((role, unit) for role, unit in r["roles"]),
        language=r["preferred_language"],
    )


async def windows(
    conn: Db,
    phone_key: bytes,
    ip: str | None,
    now: datetime,
    span: timedelta,
    global_span: timedelta,
) -> tuple[Window, Window, Window]:
    """Sign-ins of this phone and of this address within `span`, and of everyone within
    `global_span`, each with its oldest start (for Retry-After)."""
    since, global_since = now - span, now - global_span
    r = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE phone_key = $1 AND created_at > $3) AS pn,
                  min(created_at) FILTER (WHERE phone_key = $1 AND created_at > $3) AS po,
                  count(*) FILTER (WHERE ip = $2::inet AND created_at > $3) AS an,
                  min(created_at) FILTER (WHERE ip = $2::inet AND created_at > $3) AS ao,
                  count(*) FILTER (WHERE created_at > $4) AS gn,
                  min(created_at) FILTER (WHERE created_at > $4) AS go
           FROM sign_ins
           WHERE created_at > least($3::timestamptz, $4::timestamptz)
             AND (phone_key = $1 OR ip = $2::inet OR created_at > $4)""",
        phone_key,
        ip,
        since,
        global_since,
    )
    assert r is not None
    return Window(r["pn"], r["po"]), Window(r["an"], r["ao"]), Window(r["gn"], r["go"])


async def lock_phone(conn: Db, phone_key: bytes) -> None:
    """Serialises requests for one number, so two at once cannot both pass its limit."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 16))", phone_key
    )


async def insert(
    conn: Db,
    *,
    sign_in_id: UUID,
    member_id: str | None,
    phone_key: bytes,
    ip: str | None,
    channel: str | None,
    code_hash: bytes | None,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO sign_ins (sign_in_id, member_id, phone_key, ip, channel, code_hash,
                                 created_at, expires_at)
           VALUES ($1, $2, $3, $4::inet, $5, $6, $7, $8)""",
        sign_in_id, member_id, phone_key, ip, channel, code_hash, created_at, expires_at,
    )  # fmt: skip


async def attempt_for_update(conn: Db, sign_in_id: UUID) -> Attempt | None:
    r = await conn.fetchrow(
        """SELECT member_id, code_hash, attempts, expires_at,
                  code_verified_at IS NOT NULL AS verified, locked_at IS NOT NULL AS locked
           FROM sign_ins WHERE sign_in_id = $1 FOR UPDATE""",
        sign_in_id,
    )
    if r is None:
        return None
    return Attempt(
        member_id=r["member_id"],
        code_hash=r["code_hash"],
        attempts=r["attempts"],
        expires_at=r["expires_at"],
        verified=r["verified"],
        locked=r["locked"],
    )


async def record_wrong(conn: Db, sign_in_id: UUID, now: datetime, locks: bool) -> None:
    await conn.execute(
        """UPDATE sign_ins SET attempts = attempts + 1,
                               locked_at = CASE WHEN $3 THEN $2 ELSE locked_at END
           WHERE sign_in_id = $1""",
        sign_in_id,
        now,
        locks,
    )


async def record_verified(
    conn: Db,
    sign_in_id: UUID,
    *,
    now: datetime,
    ticket_hash: bytes,
    ticket_expires_at: datetime,
    needs_passkey: bool,
) -> None:
    """The code is spent: its hash goes, the ticket's hash takes its place."""
    await conn.execute(
        """UPDATE sign_ins SET attempts = attempts + 1, code_verified_at = $2, code_hash = NULL,
                               ticket_hash = $3, ticket_expires_at = $4, needs_passkey = $5
           WHERE sign_in_id = $1""",
        sign_in_id, now, ticket_hash, ticket_expires_at, needs_passkey,
    )  # fmt: skip


async def forget_before(conn: Db, before: datetime) -> int:
    """Attempts older than the longest rate-limit window serve nothing any more."""
    status = await conn.execute("DELETE FROM sign_ins WHERE created_at < $1", before)
    return int(status.split()[-1])
