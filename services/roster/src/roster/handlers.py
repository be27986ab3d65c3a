"""Use cases: each owns its transaction and writes the events of what it changed to the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from nazar_contracts.vocabulary import UnitKind
from nazar_platform import db
from nazar_platform.http.csv_files import CheckedCsv

from roster import bulk
from roster.domain.rows import ImportKind, MemberRow
from roster.domain.sync import SyncPolicy
from roster.domain.tree import PARENT_KINDS, TreeError
from roster.store import groups as group_store
from roster.store import members as member_store
from roster.store import publish, staging
from roster.store import units as unit_store

log = structlog.get_logger(__name__)

# Above this many changed members, recomputing every circle group is cheaper than finding them.
ALL_GROUPS_THRESHOLD = 2_000


class NotFoundError(LookupError):
    pass


class ConflictError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Roster:
    def __init__(
        self,
        pool: asyncpg.Pool,
        topics: publish.Topics,
        member_secret: bytes,
        sync_policy: SyncPolicy | None = None,
    ) -> None:
        self.pool = pool
        self.topics = topics
        self.secret = member_secret
        self.sync_policy = sync_policy or SyncPolicy()

    # --- propagation -------------------------------------------------------------------------
    async def _after_members(self, conn: db.Connection) -> int:
        events = await publish.members(conn, self.topics.members, table="touched")
        events += await publish.contacts(conn, self.topics.contacts, table="touched")
        many = await staging.touched_count(conn) > ALL_GROUPS_THRESHOLD
        return events + await self.regroup(conn, all_circles=many)

    async def regroup(self, conn: db.Connection, *, all_circles: bool) -> int:
        """Recompute the groups a change in `touched` may affect and publish those that moved."""
        if all_circles:
            circles = await group_store.all_circles(conn)
        else:
            circles = await group_store.circles_of_touched(conn)
        changed = await group_store.recompute(conn, circles)
        return await publish.groups(conn, self.topics.groups, changed) if changed else 0

    async def after_units(self, conn: db.Connection) -> int:
        moved = await unit_store.refresh_paths(conn)
        events = await publish.units(conn, self.topics.units)
        await conn.execute(staging.TOUCHED)
        if moved:
            await conn.execute(
                """INSERT INTO touched SELECT DISTINCT member_id FROM postings
                   WHERE unit_id = ANY($1::text[]) ON CONFLICT DO NOTHING""",
                moved,
            )
        closed = await group_store.sync_existence(conn)
        if closed:
            events += await publish.tombstones(
                conn, self.topics.groups, "nazar.group.removed.v1", closed
            )
            await publish.forget(conn, "group", closed)
        events += await publish.members(conn, self.topics.members, table="touched")
        await group_store.recompute(conn, await group_store.all_circles(conn))
        # All groups, not just those whose members moved: a renamed circle renames its group.
        events += await publish.groups(conn, self.topics.groups)
        return events

    # --- units -------------------------------------------------------------------------------
    async def create_unit(
        self, unit_id: str, kind: UnitKind, name_hi: str, name_en: str, parent_id: str | None
    ) -> None:
        async with db.transaction(self.pool) as conn:
            parent = await unit_store.get(conn, parent_id) if parent_id else None
            if parent_id and parent is None:
                raise NotFoundError(parent_id)
            _check_parent(kind, parent)
            if not await unit_store.insert(conn, unit_id, kind.value, name_hi, name_en, parent_id):
                raise ConflictError("unit-exists", "a unit with this code exists")
            await self.after_units(conn)

    async def change_unit(
        self,
        unit_id: str,
        *,
        name_hi: str | None = None,
        name_en: str | None = None,
        parent_id: str | None = None,
    ) -> None:
        async with db.transaction(self.pool) as conn:
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
                await self.after_units(conn)

    async def close_unit(self, unit_id: str) -> None:
        async with db.transaction(self.pool) as conn:
            unit = await unit_store.get(conn, unit_id)
            if unit is None:
                raise NotFoundError(unit_id)
            if not unit["active"]:
                return
            if await unit_store.active_children(conn, unit_id):
                raise ConflictError("unit-has-children", "move or close its units first")
            await unit_store.update(conn, unit_id, active=False, closed_at=datetime.now(UTC))
            await self.after_units(conn)

    async def import_units(
        self,
        source: CheckedCsv,
        by: str,
        filename: str | None = None,
        import_id: str | None = None,
    ) -> bulk.ImportResult:
        return await bulk.import_units(self, source, by, filename, import_id)

    async def import_members(
        self,
        kind: ImportKind,
        source: CheckedCsv,
        *,
        by: str,
        scope: Sequence[str] | None,
        mode: bulk.Mode = bulk.Mode.APPLY,
        filename: str | None = None,
        import_id: str | None = None,
    ) -> bulk.ImportResult:
        """Validate and apply a file, or review a full sync (see roster.bulk)."""
        job = bulk.MemberImport(
            self, kind, scope, import_id or bulk.new_import_id(), mode=mode, by=by
        )
        return await job.run(source, filename=filename, create=import_id is None)

    # --- members -----------------------------------------------------------------------------
    async def save_member(self, row: MemberRow, scope: Sequence[str] | None) -> list[str]:
        """Create or replace one member through the import pipeline; [] or the reason codes."""
        async with db.transaction(self.pool) as conn:
            await staging.create(conn)
            await staging.copy_rows(conn, [row])
            await staging.check(conn, scope)
            reasons = [reason for _, _, reason, _ in await staging.rejections(conn)]
            if reasons:
                return reasons
            await staging.apply(conn)
            await self._after_members(conn)
        return []

    async def set_consent(
        self, member_id: str, *, state: str, method: str | None, purpose: str | None,
        at: datetime | None = None,
    ) -> bool:  # fmt: skip
        async with db.transaction(self.pool) as conn:
            changed = await member_store.set_consent(
                conn, member_id, state=state, method=method, purpose=purpose,
                at=at or datetime.now(UTC),
            )  # fmt: skip
            if changed:
                await _touch(conn, [member_id])
                await self._after_members(conn)
            return changed

    async def opt_out(self, conn: db.Connection, member_id: str, at: datetime) -> bool:
        """A "STOP" / "बंद" reply, inside the consumer's transaction."""
        changed = await member_store.set_consent(
            conn, member_id, state="withdrawn", method=None, purpose=None, at=at
        )
        if changed:
            await _touch(conn, [member_id])
            await self._after_members(conn)
            await conn.execute("DROP TABLE touched")
        return changed

    async def erase(self, member_id: str) -> bool:
        async with db.transaction(self.pool) as conn:
            await _touch(conn, [member_id])
            circles = await group_store.circles_of_touched(conn)
            if not await member_store.erase(
                conn, member_id, [self.topics.members, self.topics.contacts]
            ):
                return False
            await publish.tombstones(
                conn, self.topics.members, "nazar.member.erased.v1", [member_id]
            )
            await publish.tombstones(
                conn, self.topics.contacts, "nazar.contact.erased.v1", [member_id]
            )
            await publish.forget(conn, "member", [member_id])
            await publish.forget(conn, "contact", [member_id])
            changed = await group_store.recompute(conn, circles)
            if changed:
                await publish.groups(conn, self.topics.groups, changed)
        log.info("member erased", member_id=member_id)
        return True


async def _touch(conn: db.Connection, member_ids: Iterable[str]) -> None:
    await conn.execute(staging.TOUCHED)
    await conn.execute(
        "INSERT INTO touched SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", list(member_ids)
    )


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
