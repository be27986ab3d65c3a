"""The access layer's view of the command tree and of members, over this service's read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg


class _PoolFrom:
    """Finds the pool when it is needed: the app's lifespan opens it after the app is built."""

    def __init__(self, state: Any) -> None:
        self._state = state

    @property
    def pool(self) -> asyncpg.Pool:
        return self._state.runtime.pool  # type: ignore[no-any-return]


class UnitDirectory(_PoolFrom):
    async def path(self, unit_id: str) -> Sequence[str] | None:
        found = await self.pool.fetchval("SELECT path FROM units WHERE id = $1", unit_id)
        return None if found is None else list(found)


class MemberDirectory(_PoolFrom):
    async def units_of(self, member_id: str) -> Sequence[str]:
        found = await self.pool.fetchval("SELECT unit_ids FROM members WHERE id = $1", member_id)
        return [] if found is None else list(found)
