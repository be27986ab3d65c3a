"""Use cases: each owns its transaction and writes the events of what it changed to the outbox."""

from __future__ import annotations

import asyncio
import csv
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import asyncpg
import structlog
from nazar_platform import db

from roster import metrics
from roster.domain.rows import (
    HeaderError,
    ImportKind,
    MemberRow,
    Rejected,
    check_header,
    parse_police,
    parse_volunteer,
)
from roster.domain.tree import PARENT_KINDS, TreeError
from roster.store import groups as group_store
from roster.store import imports as import_store
from roster.store import members as member_store
from roster.store import publish, staging
from roster.store import units as unit_store
from nazar_contracts.vocabulary import UnitKind

log = structlog.get_logger(__name__)

CHUNK = 25_000
APPLYING_AT_ONCE = 2
# Above this many changed members, recomputing every circle group is cheaper than finding them.
ALL_GROUPS_THRESHOLD = 2_000
UNIT_IMPORT_COLUMNS = ("unit_code", "kind", "name_hi", "name_en", "parent")


class NotFoundError(LookupError):
    pass


class ConflictError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ImportResult:
    import_id: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[tuple[int, str | None, str | None, list[dict[str, str | None]]]] = field(
        default_factory=list
    )
    events: int = 0


def new_import_id() -> str:
    return f"imp-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


class Roster:
    def __init__(self, pool: asyncpg.Pool, topics: publish.Topics, member_secret: bytes) -> None:
        self.pool = pool
        self.topics = topics
        self.secret = member_secret

    # --- propagation -------------------------------------------------------------------------
    async def _after_members(self, conn: db.Connection) -> int:
        events = await publish.members(conn, self.topics.members, table="touched")
        events += await publish.contacts(conn, self.topics.contacts, table="touched")
        many = await staging.touched_count(conn) > ALL_GROUPS_THRESHOLD
        return events + await self._regroup(conn, all_circles=many)

    async def _regroup(self, conn: db.Connection, *, all_circles: bool) -> int:
        """Recompute the groups a change in `touched` may affect and publish those that moved."""
        if all_circles:
            circles = await group_store.all_circles(conn)
        else:
            circles = await group_store.circles_of_touched(conn)
        changed = await group_store.recompute(conn, circles)
        return await publish.groups(conn, self.topics.groups, changed) if changed else 0

    async def _after_units(self, conn: db.Connection) -> int:
        moved = await unit_store.refresh_paths(conn)
        events = await publish.units(conn, self.topics.units)
        await conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS touched (member_id text PRIMARY KEY) ON COMMIT DROP"
        )
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
        changed = await group_store.recompute(conn, await group_store.all_circles(conn))
        # Renamed circles change their group's name without changing its members.
        events += await publish.groups(conn, self.topics.groups)
        del changed
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
            await self._after_units(conn)

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
                await self._after_units(conn)

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
            await self._after_units(conn)

    async def import_units(
        self, text: IO[str], by: str, filename: str | None = None, import_id: str | None = None
    ) -> ImportResult:
        result = ImportResult(import_id or new_import_id())
        reader = csv.reader(text)
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
        missing = [c for c in UNIT_IMPORT_COLUMNS if c not in header]
        if missing:
            raise HeaderError(missing)
        at = {c: header.index(c) for c in UNIT_IMPORT_COLUMNS}
        staged: list[tuple[int, str, str, str, str, str | None]] = []
        for n, raw in enumerate(reader, start=2):
            cells = [raw[at[c]].strip() if at[c] < len(raw) else "" for c in UNIT_IMPORT_COLUMNS]
            code, kind, hi, en, parent = cells
            try:
                UnitKind(kind)
            except ValueError:
                result.rejected.append((n, code, None, [{"code": "bad-unit-kind", "column": "kind"}]))
                continue
            if not code or not hi or not en:
                result.rejected.append((n, code, None, [{"code": "missing-field", "column": None}]))
                continue
            staged.append((n, code.upper(), kind, hi, en, parent.upper() or None))
        result.total = len(staged) + len(result.rejected)
        async with db.transaction(self.pool) as conn:
            if import_id is None:
                await import_store.create(
                    conn, result.import_id, kind="units", full_sync=False, filename=filename,
                    uploaded_by=by, scope=None,
                )  # fmt: skip
            await unit_store.stage(conn, staged)
            bad = await unit_store.check_staged(conn)
            for row_no, code, reason in bad:
                result.rejected.append((row_no, code, None, [{"code": reason, "column": "parent"}]))
            result.counts = await unit_store.apply_staged(conn, [b[0] for b in bad])
            result.counts["rejected"] = len(result.rejected)
            result.events = await self._after_units(conn)
            await import_store.add_rejections(conn, result.import_id, result.rejected)
            await import_store.finish(
                conn, result.import_id, total=result.total, counts=result.counts
            )
        return result

    # --- members -----------------------------------------------------------------------------
    def parse(self, kind: ImportKind, text: IO[str]) -> Iterator[MemberRow | Rejected]:
        reader = csv.reader(text)
        header = check_header(kind, next(reader, []))
        now = datetime.now(UTC)
        for n, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            values = dict(zip(header, raw, strict=False))
            if kind is ImportKind.POLICE:
                yield parse_police(n, values, self.secret)
            else:
                yield parse_volunteer(n, values, self.secret, now)

    async def import_members(
        self,
        kind: ImportKind,
        text: IO[str],
        *,
        by: str,
        scope: Sequence[str] | None,
        full_sync: bool = False,
        filename: str | None = None,
        import_id: str | None = None,
    ) -> ImportResult:
        """Validate and apply a file. Rows go in chunks, one transaction each, so the relay
        publishes the first members while later ones are still being applied; a crash leaves
        the import marked failed, and running it again completes it (applying is idempotent).
        Bad rows are reported and never stop the good ones."""
        started = time.perf_counter()
        result = ImportResult(import_id or new_import_id())
        if import_id is None:
            async with db.transaction(self.pool) as conn:
                await import_store.create(
                    conn, result.import_id, kind=kind.value, full_sync=full_sync,
                    filename=filename, uploaded_by=by, scope=scope,
                )  # fmt: skip
        try:
            await self._apply_file(kind, text, scope, full_sync, result)
        except Exception as exc:
            async with db.transaction(self.pool) as conn:
                await import_store.fail(conn, result.import_id, type(exc).__name__)
            raise
        metrics.IMPORT_ROWS.labels(kind.value, "accepted").inc(result.counts["accepted"])
        metrics.IMPORT_ROWS.labels(kind.value, "rejected").inc(result.counts["rejected"])
        metrics.IMPORT_SECONDS.labels(kind.value).observe(time.perf_counter() - started)
        log.info("import applied", import_id=result.import_id, kind=kind.value, **result.counts)
        return result

    async def _apply_file(
        self,
        kind: ImportKind,
        text: IO[str],
        scope: Sequence[str] | None,
        full_sync: bool,
        result: ImportResult,
    ) -> None:
        rows = self.parse(kind, text)
        seen: set[str] = set()
        present: set[str] = set()  # rejected rows whose member is known
        loop = asyncio.get_running_loop()

        def next_chunk() -> list[MemberRow]:
            chunk: list[MemberRow] = []
            for item in rows:
                result.total += 1
                if isinstance(item, Rejected):
                    problems = [{"code": p.code, "column": p.column} for p in item.problems]
                    result.rejected.append((item.row_no, item.natural_key, None, problems))
                    if item.member_id is not None:
                        present.add(item.member_id)
                elif item.member_id in seen:
                    problem = {"code": "duplicate-key", "column": None}
                    result.rejected.append((item.row_no, item.natural_key, None, [problem]))
                else:
                    seen.add(item.member_id)
                    chunk.append(item)
                    if len(chunk) >= CHUNK:
                        break
            return chunk

        totals = {"created": 0, "changed": 0}
        room = asyncio.Semaphore(APPLYING_AT_ONCE)

        async def apply_chunk(chunk: list[MemberRow]) -> None:
            try:
                async with db.transaction(self.pool) as conn:
                    await conn.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
                    await staging.create(conn)
                    await staging.copy_rows(conn, chunk)
                    await staging.check(conn, scope)
                    for row_no, reason, column in await staging.rejections(conn):
                        problem = {"code": reason, "column": column}
                        result.rejected.append((row_no, None, None, [problem]))
                    await staging.apply(conn)
                    await conn.execute("ANALYZE touched")
                    created = await staging.created_count(conn)
                    changed = await staging.touched_count(conn)
                    events = await publish.members(conn, self.topics.members, table="touched")
                    events += await publish.contacts(conn, self.topics.contacts, table="touched")
                # Added after the awaits: `x += await f()` would lose a concurrent update.
                totals["created"] += created
                totals["changed"] += changed
                result.events += events
            finally:
                room.release()

        # Parsing the next chunk (Python) overlaps with applying earlier ones (PostgreSQL, two
        # transactions at once so that both cores work; a member is in one chunk only).
        pending = loop.run_in_executor(None, next_chunk)
        applying: list[asyncio.Task[None]] = []
        analysed_at = 0
        while chunk := await pending:
            pending = loop.run_in_executor(None, next_chunk)
            await room.acquire()
            if len(seen) >= 4 * analysed_at:
                # Plans go wrong while the tables grow from nothing; statistics catch up here.
                analysed_at = len(seen)
                await self.pool.execute("ANALYZE members, postings, contacts, published")
            applying.append(asyncio.create_task(apply_chunk(chunk)))
        await asyncio.gather(*applying)
        created, changed = totals["created"], totals["changed"]
        async with db.transaction(self.pool) as conn:
            await staging.create(conn)
            deactivated = 0
            await conn.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
            if full_sync:
                await staging.mark_seen(conn, seen | present)
                kinds = ["pno"] if kind is ImportKind.POLICE else ["vol", "tel"]
                deactivated = await staging.deactivate_absent(conn, kinds, scope)
                events = await publish.members(conn, self.topics.members, table="touched")
                events += await publish.contacts(conn, self.topics.contacts, table="touched")
                result.events += events
            if changed or deactivated:
                events = await self._regroup(conn, all_circles=True)
                result.events += events
            result.rejected.sort(key=lambda r: r[0])
            result.counts = {
                "accepted": result.total - len(result.rejected),
                "rejected": len(result.rejected),
                "created": created,
                "changed": changed - created,
                "deactivated": deactivated,
                "events": result.events,
            }
            await import_store.add_rejections(conn, result.import_id, result.rejected)
            await import_store.finish(
                conn, result.import_id, total=result.total, counts=result.counts
            )

    async def save_member(self, row: MemberRow, scope: Sequence[str] | None) -> list[str]:
        """Create or replace one member through the import pipeline; [] or the reason codes."""
        async with db.transaction(self.pool) as conn:
            await staging.create(conn)
            await staging.copy_rows(conn, [row])
            await staging.check(conn, scope)
            reasons = [reason for _, reason, _ in await staging.rejections(conn)]
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
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS touched (member_id text PRIMARY KEY) ON COMMIT DROP"
    )
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
