"""The sign-in audit (table `auth_events`, migration 009): one row per sign-in fact, written in the
transaction of the change it records; append-only (a trigger refuses UPDATE, DELETE, TRUNCATE).

Never a phone number or a code in `detail`: member ids, channels, reasons, counts. Kinds in use
(`KINDS`); another way in (OIDC) records its own, e.g. `oidc_signed_in`.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from nazar_platform.db import Connection
from nazar_platform.http.pagination import Keyset

from roster.store import Db

KINDS = (
    "code_sent",  # detail: channel, sign_in_id
    "code_withheld",  # a number with no code (not on the roster, may not sign in): why
    "code_wrong",  # attempts_left
    "code_locked",  # the last wrong code
    "code_verified",  # needs_passkey
    "signed_in",  # tokens issued for a ticket: family_id
    "refresh_reused",  # a used refresh token again: its family revoked
    "signed_out",
    "sessions_revoked",  # deactivation or erasure (the trigger of migration 009): why, families
    "passkey_registered",  # where: sign_in | account
    "passkey_used",
    "passkey_failed",  # reason
    "passkey_removed",  # by the member themself
    "passkey_reset",  # by: the officer who reset them, removed: how many
)
KEYSET = Keyset(("id",), (int,), descending=True)


async def record(
    conn: Connection,
    kind: str,
    member_id: str | None,
    *,
    detail: dict[str, Any],
    ip: str | None,
    request_id: str | None,
) -> None:
    """One audit row, in the caller's transaction (so it exists exactly when the change does)."""
    await conn.execute(
        """INSERT INTO auth_events (kind, member_id, detail, ip, request_id)
           VALUES ($1, $2, $3::jsonb, $4::inet, $5)""",
        kind,
        member_id,
        detail,  # the pool's jsonb codec encodes it
        ip,
        request_id,
    )


async def page(
    conn: Db,
    *,
    member_id: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Newest first; `limit` rows (ask for one more to learn whether another page exists)."""
    after, args = KEYSET.after(cursor, first_param=3)
    return list(
        await conn.fetch(
            f"""SELECT id, at, kind, member_id, detail, host(ip) AS ip, request_id
                FROM auth_events
                WHERE ($1::text IS NULL OR member_id = $1) AND ($2::text IS NULL OR kind = $2)
                  AND {after}
                ORDER BY {KEYSET.order_by()} LIMIT ${len(args) + 3}""",
            member_id,
            kind,
            *args,
            limit,
        )
    )
