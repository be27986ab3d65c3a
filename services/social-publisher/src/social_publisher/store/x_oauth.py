"""SQL of X's OAuth round trips (state → sealed code_verifier): kept short, used once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nazar_platform.db import Connection


@dataclass(frozen=True)
class OAuthState:
    account_id: str
    code_verifier: bytes  # sealed
    started_by: str


async def put(
    conn: Connection,
    *,
    state: str,
    account_id: str,
    code_verifier: bytes,
    started_by: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO x_oauth_states (state, account_id, code_verifier, started_by, expires_at)
           VALUES ($1, $2, $3, $4, $5)""",
        state,
        account_id,
        code_verifier,
        started_by,
        expires_at,
    )


async def take(conn: Connection, state: str, now: datetime) -> OAuthState | None:
    """The round trip of `state`, deleted as it is read (one use); None when unknown, used or
    expired. Expired rows of any state go at the same time."""
    await conn.execute("DELETE FROM x_oauth_states WHERE expires_at < $1", now)
    row = await conn.fetchrow(
        """DELETE FROM x_oauth_states WHERE state = $1
           RETURNING account_id, code_verifier, started_by""",
        state,
    )
    if row is None:
        return None
    return OAuthState(row["account_id"], row["code_verifier"], row["started_by"])
