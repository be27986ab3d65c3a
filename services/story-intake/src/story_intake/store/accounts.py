"""The official accounts as the social-publisher reports them (publish.results.v1): stopped or
active, why, the network's code and since when. An older event never overwrites a newer state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: str
    channel: str
    name: str | None
    state: str  # stopped | active
    reason: str | None
    provider_code: str | None
    since: datetime


async def set_state(conn: db.Connection, a: AccountRow) -> None:
    """The account's state from one event; a resumption keeps the name the stop gave."""
    await conn.execute(
        "INSERT INTO publish_accounts "
        "(account_id, channel, name, state, reason, provider_code, since) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id) DO UPDATE SET "
        "channel = EXCLUDED.channel, name = coalesce(EXCLUDED.name, publish_accounts.name), "
        "state = EXCLUDED.state, reason = EXCLUDED.reason, "
        "provider_code = EXCLUDED.provider_code, since = EXCLUDED.since "
        "WHERE publish_accounts.since <= EXCLUDED.since",
        a.account_id, a.channel, a.name, a.state, a.reason, a.provider_code, a.since,
    )  # fmt: skip


async def stopped(conn: db.Connection) -> list[AccountRow]:
    rows = await conn.fetch(
        "SELECT account_id, channel, name, state, reason, provider_code, since "
        "FROM publish_accounts WHERE state = 'stopped' ORDER BY since, account_id"
    )
    return [AccountRow(**dict(r)) for r in rows]
