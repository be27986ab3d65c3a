"""SQL of the official accounts and their sealed tokens. Functions take a connection and never
commit; `lock` is for the one process that refreshes an account's tokens at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nazar_platform.db import Connection

from social_publisher.domain.accounts import Account
from social_publisher.domain.social import Network

_COLUMNS = (
    "account_id, network, name, provider_account_id, handle, daily_cap, state, stopped_code,"
    " stopped_reason, token_expires_at, token_version, access_token IS NOT NULL AS has_token"
)


def _account(row: Any) -> Account:
    return Account(
        account_id=row["account_id"],
        network=Network(row["network"]),
        name=row["name"],
        provider_account_id=row["provider_account_id"],
        handle=row["handle"],
        daily_cap=row["daily_cap"],
        stopped=row["state"] == "stopped",
        stopped_code=row["stopped_code"],
        stopped_reason=row["stopped_reason"],
        token_expires_at=row["token_expires_at"],
        token_version=row["token_version"],
        has_token=row["has_token"],
    )


async def configure(
    conn: Connection,
    *,
    account_id: str,
    network: Network,
    name: str,
    provider_account_id: str,
    handle: str,
    daily_cap: int | None,
) -> None:
    """Create or update an account from settings; its tokens and state are left alone."""
    await conn.execute(
        """INSERT INTO social_accounts (account_id, network, name, provider_account_id, handle,
               daily_cap)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (account_id) DO UPDATE SET
               name = EXCLUDED.name, provider_account_id = EXCLUDED.provider_account_id,
               handle = EXCLUDED.handle, daily_cap = EXCLUDED.daily_cap, updated_at = now()""",
        account_id,
        str(network),
        name,
        provider_account_id,
        handle,
        daily_cap,
    )


async def get(conn: Connection, account_id: str) -> Account | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM social_accounts WHERE account_id = $1",
        account_id,
    )
    return _account(row) if row else None


async def all_accounts(conn: Connection) -> Sequence[Account]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM social_accounts ORDER BY network, account_id")
    return [_account(r) for r in rows]


async def lock(conn: Connection, account_id: str) -> Account | None:
    """Hold the account's row until the transaction ends (one refresher at a time)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM social_accounts WHERE account_id = $1 FOR UPDATE",
        account_id,
    )
    return _account(row) if row else None


async def sealed_tokens(conn: Connection, account_id: str) -> tuple[bytes | None, bytes | None]:
    row = await conn.fetchrow(
        "SELECT access_token, refresh_token FROM social_accounts WHERE account_id = $1",
        account_id,
    )
    if row is None:
        return None, None
    return row["access_token"], row["refresh_token"]


async def save_tokens(
    conn: Connection,
    account_id: str,
    *,
    access_token: bytes,
    refresh_token: bytes | None,
    expires_at: datetime | None,
) -> int:
    """Store a new sealed pair; returns the new token version."""
    version: int = await conn.fetchval(
        """UPDATE social_accounts SET access_token = $2, refresh_token = $3,
               token_expires_at = $4, token_version = token_version + 1, updated_at = now()
           WHERE account_id = $1 RETURNING token_version""",
        account_id,
        access_token,
        refresh_token,
        expires_at,
    )
    return version


async def stop(
    conn: Connection, account_id: str, *, code: str | None, reason: str, at: datetime
) -> bool:
    """Stop an active account; False when it was already stopped (tell the cell once)."""
    status: str = await conn.execute(
        """UPDATE social_accounts SET state = 'stopped', stopped_code = $2, stopped_reason = $3,
               stopped_at = $4, updated_at = now()
           WHERE account_id = $1 AND state = 'active'""",
        account_id,
        code,
        reason,
        at,
    )
    return status.endswith(" 1")


async def resume(conn: Connection, account_id: str) -> bool:
    status: str = await conn.execute(
        """UPDATE social_accounts SET state = 'active', stopped_code = NULL,
               stopped_reason = NULL, stopped_at = NULL, updated_at = now()
           WHERE account_id = $1 AND state = 'stopped'""",
        account_id,
    )
    return status.endswith(" 1")
