"""Passkeys and their pending challenges in SQL (migration 008)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from nazar_platform.db import Connection

from roster.domain.passkeys import Credential, NewCredential
from roster.store import Db


def _credential(r: asyncpg.Record) -> Credential:
    return Credential(r["credential_id"], r["public_key"], r["sign_count"], tuple(r["transports"]))


async def of_member(conn: Db, member_id: str) -> list[Credential]:
    rows = await conn.fetch(
        """SELECT credential_id, public_key, sign_count, transports FROM passkeys
           WHERE member_id = $1 ORDER BY created_at, credential_id""",
        member_id,
    )
    return [_credential(r) for r in rows]


async def listing(conn: Db, member_id: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT credential_id, transports, created_at, last_used_at FROM passkeys
               WHERE member_id = $1 ORDER BY created_at, credential_id""",
            member_id,
        )
    )


async def has_any(conn: Db, member_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM passkeys WHERE member_id = $1)", member_id
        )
    )


async def for_update(conn: Connection, member_id: str, credential_id: bytes) -> Credential | None:
    """One of the member's passkeys, locked (two answers at once cannot both move the counter)."""
    r = await conn.fetchrow(
        """SELECT credential_id, public_key, sign_count, transports FROM passkeys
           WHERE member_id = $1 AND credential_id = $2 FOR UPDATE""",
        member_id,
        credential_id,
    )
    return None if r is None else _credential(r)


async def add(conn: Connection, member_id: str, new: NewCredential, now: datetime) -> bool:
    """False when that credential is registered already (to anyone)."""
    status = await conn.execute(
        """INSERT INTO passkeys (credential_id, member_id, public_key, sign_count, transports,
                                 created_at)
           VALUES ($1, $2, $3, $4, $5::text[], $6) ON CONFLICT (credential_id) DO NOTHING""",
        new.credential_id, member_id, new.public_key, new.sign_count, list(new.transports), now,
    )  # fmt: skip
    return bool(status.endswith(" 1"))


async def used(conn: Connection, credential_id: bytes, sign_count: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE passkeys SET sign_count = $2, last_used_at = $3 WHERE credential_id = $1",
        credential_id,
        sign_count,
        now,
    )


async def remove(conn: Connection, member_id: str, credential_id: bytes) -> bool:
    status = await conn.execute(
        "DELETE FROM passkeys WHERE member_id = $1 AND credential_id = $2", member_id, credential_id
    )
    return bool(status.endswith(" 1"))


async def remove_all(conn: Connection, member_id: str) -> int:
    status = await conn.execute("DELETE FROM passkeys WHERE member_id = $1", member_id)
    await conn.execute("DELETE FROM passkey_challenges WHERE member_id = $1", member_id)
    return int(status.split()[-1])


async def put_challenge(
    conn: Connection,
    *,
    sign_in_id: uuid.UUID | None,
    member_id: str,
    mode: str,
    challenge: bytes,
    now: datetime,
    expires_at: datetime,
) -> None:
    """The one pending challenge of this sign-in (or of this member's own registration, when
    `sign_in_id` is None), replacing an earlier one."""
    if sign_in_id is None:
        await conn.execute(
            "DELETE FROM passkey_challenges WHERE member_id = $1 AND sign_in_id IS NULL", member_id
        )
    else:
        await conn.execute("DELETE FROM passkey_challenges WHERE sign_in_id = $1", sign_in_id)
    await conn.execute(
        """INSERT INTO passkey_challenges (challenge_id, sign_in_id, member_id, mode, challenge,
                                           created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        uuid.uuid4(), sign_in_id, member_id, mode, challenge, now, expires_at,
    )  # fmt: skip


async def take_challenge(
    conn: Connection, *, sign_in_id: uuid.UUID | None, member_id: str
) -> asyncpg.Record | None:
    """The pending challenge, deleted as it is read: an answer spends it, right or wrong."""
    if sign_in_id is None:
        return await conn.fetchrow(
            """DELETE FROM passkey_challenges WHERE member_id = $1 AND sign_in_id IS NULL
               RETURNING mode, challenge, expires_at""",
            member_id,
        )
    return await conn.fetchrow(
        """DELETE FROM passkey_challenges WHERE sign_in_id = $1 AND member_id = $2
           RETURNING mode, challenge, expires_at""",
        sign_in_id,
        member_id,
    )


async def forget_expired_challenges(conn: Connection, now: datetime) -> int:
    status = await conn.execute("DELETE FROM passkey_challenges WHERE expires_at < $1", now)
    return int(status.split()[-1])


async def ticket_sign_in(conn: Connection, ticket_hash: bytes) -> asyncpg.Record | None:
    """The sign-in a ticket belongs to, locked for the passkey step."""
    return await conn.fetchrow(
        """SELECT s.sign_in_id, s.member_id, s.ticket_expires_at, s.code_verified_at,
                  s.redeemed_at, s.needs_passkey, s.passkey_verified_at,
                  coalesce(m.name_latin, m.name_hi, '') AS display_name
           FROM sign_ins s LEFT JOIN members m ON m.member_id = s.member_id
           WHERE s.ticket_hash = $1 FOR UPDATE OF s""",
        ticket_hash,
    )


async def passkey_verified(
    conn: Connection,
    sign_in_id: uuid.UUID,
    now: datetime,
    ticket_hash: bytes,
    ticket_expires_at: datetime,
) -> None:
    """The passkey step is done: a new ticket (the one the code gave is spent) for the tokens."""
    await conn.execute(
        """UPDATE sign_ins SET passkey_verified_at = $2, ticket_hash = $3, ticket_expires_at = $4
           WHERE sign_in_id = $1""",
        sign_in_id,
        now,
        ticket_hash,
        ticket_expires_at,
    )


async def display_name(conn: Db, member_id: str) -> str:
    name = await conn.fetchval(
        "SELECT coalesce(name_latin, name_hi, '') FROM members WHERE member_id = $1", member_id
    )
    return str(name or "")


async def posting_units(conn: Db, member_id: str) -> list[str]:
    """Units of the member's postings (the reset's peer check)."""
    rows = await conn.fetch("SELECT unit_id FROM postings WHERE member_id = $1", member_id)
    return [r["unit_id"] for r in rows]
