"""The command tree: add, rename or move, and close a unit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from nazar_contracts.vocabulary import UnitKind
from nazar_platform import db

from roster.domain.tree import PARENT_KINDS, TreeError
from roster.handlers.context import ConflictError, NotFoundError, Roster
from roster.handlers.propagate import after_units
from roster.store import units as unit_store


async def create_unit(
    roster: Roster,
    unit_id: str,
    kind: UnitKind,
    name_hi: str,
    name_en: str,
    parent_id: str | None,
) -> None:
    async with db.transaction(roster.pool) as conn:
        parent = await unit_store.get(conn, parent_id) if parent_id else None
        if parent_id and parent is None:
            raise NotFoundError(parent_id)
        _check_parent(kind, parent)
        if not await unit_store.insert(conn, unit_id, kind.value, name_hi, name_en, parent_id):
            raise ConflictError("unit-exists", "a unit with this code exists")
        await after_units(conn, roster.topics)


async def change_unit(
    roster: Roster,
    unit_id: str,
    *,
    name_hi: str | None = None,
    name_en: str | None = None,
    parent_id: str | None = None,
) -> None:
    async with db.transaction(roster.pool) as conn:
        unit = await unit_store.get(conn, unit_id)
        if unit is None:
            raise NotFoundError(unit_id)
        fields: dict[str, Any] = {}
        if name_hi is not None:
            fields["name_hi"] = name_hi
        if name_en is not None:
            fields["name_en"] = name_en
        if parent_id is not None and parent_id != unit["parent_id"]:
            parent = await unit_store.get(conn, parent_id)
            if parent is None:
                raise NotFoundError(parent_id)
            _check_parent(UnitKind(unit["kind"]), parent)
            if unit_id in parent["path"]:
                raise TreeError("unit-cycle", "a unit cannot move under itself")
            fields["parent_id"] = parent_id
        if fields:
            await unit_store.update(conn, unit_id, **fields)
            await after_units(conn, roster.topics)


async def close_unit(roster: Roster, unit_id: str) -> None:
    async with db.transaction(roster.pool) as conn:
        unit = await unit_store.get(conn, unit_id)
        if unit is None:
            raise NotFoundError(unit_id)
        if not unit["active"]:
            return
        if await unit_store.active_children(conn, unit_id):
            raise ConflictError("unit-has-children", "move or close its units first")
        await unit_store.update(conn, unit_id, active=False, closed_at=datetime.now(UTC))
        await after_units(conn, roster.topics)


def _check_parent(kind: UnitKind, parent: asyncpg.Record | None) -> None:
    allowed = PARENT_KINDS[kind]
    if parent is None:
        if allowed:
            raise TreeError("unit-parent-required", f"a {kind.value} needs a parent unit")
        return
    if UnitKind(parent["kind"]) not in allowed:
        raise TreeError("unit-parent-kind", f"a {kind.value} cannot sit under {parent['kind']}")
    if not parent["active"]:
        raise TreeError("unit-parent-closed", "the parent unit is closed")
