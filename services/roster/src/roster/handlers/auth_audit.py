"""Reading the sign-in audit (store/auth_events.py); the use cases write it themselves."""

from __future__ import annotations

from typing import Any

import asyncpg
from nazar_platform.http.pagination import Page

from roster.store import auth_events as store

_COLUMNS = ("id", "at", "kind", "member_id", "detail", "ip", "request_id")


async def events(
    pool: asyncpg.Pool, member_id: str | None, kind: str | None, cursor: str | None, limit: int
) -> Page[dict[str, Any]]:
    rows = await store.page(pool, member_id=member_id, kind=kind, cursor=cursor, limit=limit + 1)
    return store.KEYSET.page(
        rows,
        limit,
        lambda r: {c: r[c] for c in _COLUMNS},
    )
