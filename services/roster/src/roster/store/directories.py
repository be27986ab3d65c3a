"""The access layer's view of the tree and of postings, straight from the roster's own tables."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg


class UnitPaths:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def path(self, unit_id: str) -> Sequence[str] | None:
        path = await self._pool.fetchval("SELECT path FROM units WHERE unit_id = $1", unit_id)
        return None if path is None else list(path)


class MemberUnits:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def units_of(self, member_id: str) -> Sequence[str]:
        rows = await self._pool.fetch(
            """SELECT p.unit_id FROM postings p JOIN members m ON m.member_id = p.member_id
               WHERE p.member_id = $1 AND m.erased_at IS NULL""",
            member_id,
        )
        return [r["unit_id"] for r in rows]
