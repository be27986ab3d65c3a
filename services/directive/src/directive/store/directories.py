"""The access layer's view of the command tree and of members, over this service's read model
(`nazar_platform.service.create_app` builds them from the runtime: `unit_directory=`,
`member_directory=`)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg


class UnitDirectory:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def path(self, unit_id: str) -> Sequence[str] | None:
        found = await self._pool.fetchval("SELECT path FROM units WHERE id = $1", unit_id)
        return None if found is None else list(found)


class MemberDirectory:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def units_of(self, member_id: str) -> Sequence[str]:
        found = await self._pool.fetchval("SELECT unit_ids FROM members WHERE id = $1", member_id)
        return [] if found is None else list(found)
