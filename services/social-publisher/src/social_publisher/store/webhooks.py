"""SQL of the provider webhooks' events seen (a redelivered status or message changes nothing).
Functions take a connection and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from nazar_platform.db import Connection


async def fresh_events(conn: Connection, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Record (provider id, event) pairs; returns those not seen before."""
    if not keys:
        return set()
    rows = await conn.fetch(
        """INSERT INTO webhook_seen (provider_message_id, event)
           SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
           RETURNING provider_message_id, event""",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["provider_message_id"], r["event"]) for r in rows}


async def prune_seen(conn: Connection, older_than: timedelta) -> None:
    await conn.execute("DELETE FROM webhook_seen WHERE seen_at < now() - $1::interval", older_than)
