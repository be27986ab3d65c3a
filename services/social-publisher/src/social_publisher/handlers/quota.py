"""The portfolio's shared quota: an instance's new members in, the portfolio's count out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from nazar_platform import db

from social_publisher.handlers.context import Context
from social_publisher.store import quota as quota_store

DAY = timedelta(days=1)


async def sync(ctx: Context, fresh: Mapping[str, float], *, prune: bool = False) -> int:
    """Write the members this instance counted since the last sync (epoch seconds) and return
    the number of members the portfolio messaged in the last 24 h, every instance's."""
    now = datetime.now(UTC)
    async with db.transaction(ctx.pool) as conn:
        await quota_store.add(conn, {m: datetime.fromtimestamp(t, UTC) for m, t in fresh.items()})
        if prune:
            await quota_store.prune(conn, now - DAY)
        return await quota_store.count(conn, now - DAY)
