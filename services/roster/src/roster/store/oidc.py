"""OpenID Connect sign-in in SQL (migration 010): pending authorization requests, the member an
identity names, and the sign-in row the ticket belongs to."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from roster.domain.oidc import Candidate, Identity
from roster.store import Db


async def save_state(
    conn: Db,
    *,
    state_key: bytes,
    nonce: str,
    code_verifier: str,
    next_path: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO oidc_states (state_key, nonce, code_verifier, next_path, created_at,
                                    expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        state_key, nonce, code_verifier, next_path, created_at, expires_at,
    )  # fmt: skip


async def forget_expired_states(conn: Db, now: datetime) -> None:
    await conn.execute("DELETE FROM oidc_states WHERE expires_at < $1", now)


async def take_state(conn: Db, state_key: bytes) -> asyncpg.Record | None:
    """The pending request of this state, deleted as it is read: a state works once."""
    return await conn.fetchrow(
        """DELETE FROM oidc_states WHERE state_key = $1
           RETURNING nonce, code_verifier, next_path, expires_at""",
        state_key,
    )


async def candidate(conn: Db, identity: Identity) -> Candidate | None:
    """The one member the identity names; None for none, or for a number two members share."""
    if identity.kind == "personnel_no":
        where = "m.personnel_no = $1"
    else:
        where = """m.member_id IN (SELECT member_id FROM contacts
                                   WHERE whatsapp = $1 OR sms = $1)"""
    rows = await conn.fetch(
        f"""SELECT m.member_id, m.active, m.erased_at IS NOT NULL AS erased,
                   m.consent_required OR m.key_kind <> 'pno' AS community,
                   (SELECT count(*) FROM postings p WHERE p.member_id = m.member_id) AS postings
            FROM members m WHERE {where} LIMIT 2""",
        identity.value,
    )
    if len(rows) != 1:
        return None
    r = rows[0]
    return Candidate(r["member_id"], r["active"], r["erased"], r["community"], r["postings"])


async def insert_signed_in(
    conn: Db,
    *,
    sign_in_id: UUID,
    member_id: str,
    ip: str | None,
    now: datetime,
    ticket_hash: bytes,
    ticket_expires_at: datetime,
    needs_passkey: bool,
) -> None:
    """A sign-in whose first factor the provider vouched for: the ticket is handed out at once."""
    await conn.execute(
        """INSERT INTO sign_ins (sign_in_id, member_id, phone_key, ip, channel, created_at,
                                 expires_at, attempts, code_verified_at, ticket_hash,
                                 ticket_expires_at, needs_passkey)
           VALUES ($1, $2, NULL, $3::inet, 'oidc', $4, $4, 1, $4, $5, $6, $7)""",
        sign_in_id, member_id, ip, now, ticket_hash, ticket_expires_at, needs_passkey,
    )  # fmt: skip
