"""SQL of the token step (issue 16, item 2): signing keys, redeemed tickets, refresh families."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from roster.domain.signing import KeyTimes
from roster.store import Db


async def key_times(conn: Db) -> list[KeyTimes]:
    rows = await conn.fetch("SELECT kid, publish_at, sign_from, retire_at FROM signing_keys")
    return [KeyTimes(r["kid"], r["publish_at"], r["sign_from"], r["retire_at"]) for r in rows]


async def lock_keys(conn: Connection) -> None:
    """Serialises rotations (the worker and the CLI) within the caller's transaction."""
    await conn.execute("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")


async def add_key(
    conn: Connection, times: KeyTimes, sealed: tuple[str, str], jwk: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO signing_keys
               (kid, private_key, kek_id, public_jwk, created_at, publish_at, sign_from)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)""",
        times.kid,
        sealed[1],
        sealed[0],
        json.dumps(jwk),
        now,
        times.publish_at,
        times.sign_from,
    )


async def retire_key(conn: Connection, kid: str, at: datetime) -> None:
    await conn.execute("UPDATE signing_keys SET retire_at = $2 WHERE kid = $1", kid, at)


async def private_key(conn: Db, kid: str) -> tuple[str, str] | None:
    """(kek id, sealed private key) of `kid`."""
    row = await conn.fetchrow("SELECT kek_id, private_key FROM signing_keys WHERE kid = $1", kid)
    return None if row is None else (row["kek_id"], row["private_key"])


async def public_jwks(conn: Db, kids: list[str]) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT public_jwk FROM signing_keys WHERE kid = ANY($1::text[]) ORDER BY sign_from DESC",
        kids,
    )
    return [json.loads(r["public_jwk"]) for r in rows]


async def ticket(conn: Connection, ticket_hash: bytes) -> asyncpg.Record | None:
    """The sign-in a ticket belongs to, locked until the caller's transaction ends."""
    return await conn.fetchrow(
        """SELECT sign_in_id, member_id, ticket_expires_at, code_verified_at, needs_passkey,
                  passkey_verified_at, redeemed_at
           FROM sign_ins WHERE ticket_hash = $1 FOR UPDATE""",
        ticket_hash,
    )


async def redeem(conn: Connection, sign_in_id: uuid.UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE sign_ins SET redeemed_at = $2 WHERE sign_in_id = $1", sign_in_id, now
    )


async def new_family(
    conn: Connection, member_id: str, sign_in_id: uuid.UUID | None, now: datetime
) -> uuid.UUID:
    family_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO refresh_families (family_id, member_id, sign_in_id, created_at)
           VALUES ($1, $2, $3, $4)""",
        family_id,
        member_id,
        sign_in_id,
        now,
    )
    return family_id


async def add_refresh(
    conn: Connection,
    token_hash: bytes,
    family_id: uuid.UUID,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at)
           VALUES ($1, $2, $3, $4)""",
        token_hash,
        family_id,
        now,
        expires_at,
    )


async def refresh(conn: Connection, token_hash: bytes) -> asyncpg.Record | None:
    """A refresh token with its family, both locked until the caller's transaction ends."""
    return await conn.fetchrow(
        """SELECT t.family_id, t.expires_at, t.used_at, f.member_id, f.revoked_at
           FROM refresh_tokens t JOIN refresh_families f USING (family_id)
           WHERE t.token_hash = $1 FOR UPDATE""",
        token_hash,
    )


async def use_refresh(conn: Connection, token_hash: bytes, now: datetime) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1", token_hash, now
    )


async def forget_expired(conn: Connection, now: datetime) -> int:
    """Expired refresh tokens, then the families left without one; the number of tokens."""
    status = await conn.execute("DELETE FROM refresh_tokens WHERE expires_at < $1", now)
    await conn.execute(
        """DELETE FROM refresh_families f
           WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.family_id)"""
    )
    return int(status.split()[-1])


async def revoke_family(conn: Connection, family_id: uuid.UUID, why: str, now: datetime) -> bool:
    status = await conn.execute(
        """UPDATE refresh_families SET revoked_at = $2, revoked_why = $3
           WHERE family_id = $1 AND revoked_at IS NULL""",
        family_id,
        now,
        why,
    )
    return bool(status.endswith(" 1"))
