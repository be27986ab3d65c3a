"""A member's Web Push subscriptions (migration 061)."""

from __future__ import annotations

from typing import Any

from nazar_platform.db import Connection


async def of_member(conn: Connection, member_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT endpoint, created_at FROM push_subscriptions WHERE member_id = $1 "
        "ORDER BY created_at, endpoint",
        member_id,
    )
    return [dict(r) for r in rows]


async def save(conn: Connection, member_id: str, endpoint: str, p256dh: str, auth: str) -> bool:
    """Add or renew (new keys for a known endpoint); False when nothing changed."""
    status = await conn.execute(
        """INSERT INTO push_subscriptions AS s (member_id, endpoint, p256dh, auth)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (member_id, endpoint) DO UPDATE
               SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
               WHERE (s.p256dh, s.auth) IS DISTINCT FROM (EXCLUDED.p256dh, EXCLUDED.auth)""",
        member_id,
        endpoint,
        p256dh,
        auth,
    )
    return status.endswith(" 1")


async def drop_oldest_beyond(conn: Connection, member_id: str, keep: int) -> int:
    """A member's newest `keep` subscriptions stay: a phone replaced is a subscription gone."""
    status = await conn.execute(
        """DELETE FROM push_subscriptions WHERE member_id = $1 AND endpoint IN (
               SELECT endpoint FROM push_subscriptions WHERE member_id = $1
               ORDER BY created_at DESC, endpoint DESC OFFSET $2)""",
        member_id,
        keep,
    )
    return int(status.rsplit(" ", 1)[1])


async def remove(conn: Connection, member_id: str, endpoint: str) -> bool:
    status = await conn.execute(
        "DELETE FROM push_subscriptions WHERE member_id = $1 AND endpoint = $2",
        member_id,
        endpoint,
    )
    return status.endswith(" 1")
