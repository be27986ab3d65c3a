"""Bulk import: the HR export and volunteer lists (CSV), and the units list.

Member rows go in chunks of CHUNK, one transaction each, two transactions at once, while the next
chunk is parsed in a thread: PostgreSQL works on both cores and the relay publishes the first
members while later ones are still being applied. A crash leaves the import marked failed, and
running it again completes it, because applying is idempotent. Bad rows are reported and never
stop the good ones; a member named twice in one file is applied once (the first row).
"""

from __future__ import annotations

import asyncio
import csv
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING

import structlog
from nazar_contracts.vocabulary import UnitKind
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
from roster.store import imports as import_store
from roster.store import publish, staging
from roster.store import units as unit_store

if TYPE_CHECKING:
    from roster.handlers import Roster

log = structlog.get_logger(__name__)

CHUNK = 25_000
APPLYING_AT_ONCE = 2
UNIT_IMPORT_COLUMNS = ("unit_code", "kind", "name_hi", "name_en", "parent")
TUNED = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off"
Problems = list[dict[str, str | None]]


@dataclass
class ImportResult:
    import_id: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    # (row, key shown to the clerk, member id, problems)
    rejected: list[tuple[int, str | None, str | None, Problems]] = field(default_factory=list)
    events: int = 0


def new_import_id() -> str:
    return f"imp-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


class MemberImport:
    def __init__(
        self,
        roster: Roster,
        kind: ImportKind,
        scope: Sequence[str] | None,
        full_sync: bool,
        import_id: str,
    ) -> None:
        self.roster = roster
        self.kind = kind
        self.scope = scope
        self.full_sync = full_sync
        self.result = ImportResult(import_id)
        self.seen: set[str] = set()
        self.present: set[str] = set()  # members of rejected rows, for the full sync
        self.created = 0
        self.changed = 0
        self._room = asyncio.Semaphore(APPLYING_AT_ONCE)

    async def run(
        self, text: IO[str], *, by: str, filename: str | None, create: bool
    ) -> ImportResult:
        started = time.perf_counter()
        pool = self.roster.pool
        if create:
            async with db.transaction(pool) as conn:
                await import_store.create(
                    conn,
                    self.result.import_id,
                    kind=self.kind.value,
                    full_sync=self.full_sync,
                    filename=filename,
                    uploaded_by=by,
                    scope=self.scope,
                )
        try:
            await self._apply_all(self._rows(text))
            await self._finish()
        except Exception as exc:
            async with db.transaction(pool) as conn:
                await import_store.fail(conn, self.result.import_id, type(exc).__name__)
            raise
        counts = self.result.counts
        metrics.IMPORT_ROWS.labels(self.kind.value, "accepted").inc(counts["accepted"])
        metrics.IMPORT_ROWS.labels(self.kind.value, "rejected").inc(counts["rejected"])
        metrics.IMPORT_SECONDS.labels(self.kind.value).observe(time.perf_counter() - started)
        log.info("import applied", import_id=self.result.import_id, kind=self.kind.value, **counts)
        return self.result

    def _rows(self, text: IO[str]) -> Iterator[MemberRow | Rejected]:
        reader = csv.reader(text)
        header = check_header(self.kind, next(reader, []))
        now = datetime.now(UTC)
        secret = self.roster.secret
        for n, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            values = dict(zip(header, raw, strict=False))
            if self.kind is ImportKind.POLICE:
                yield parse_police(n, values, secret)
            else:
                yield parse_volunteer(n, values, secret, now)

    def _next_chunk(self, rows: Iterator[MemberRow | Rejected]) -> list[MemberRow]:
        """Runs in a worker thread: up to CHUNK good rows, recording the bad ones."""
        chunk: list[MemberRow] = []
        for item in rows:
            self.result.total += 1
            if isinstance(item, Rejected):
                problems: Problems = [{"code": p.code, "column": p.column} for p in item.problems]
                self.result.rejected.append((item.row_no, item.natural_key, None, problems))
                if item.member_id is not None:
                    self.present.add(item.member_id)
            elif item.member_id in self.seen:
                duplicate: Problems = [{"code": "duplicate-key", "column": None}]
                self.result.rejected.append((item.row_no, item.natural_key, None, duplicate))
            else:
                self.seen.add(item.member_id)
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    break
        return chunk

    async def _apply_all(self, rows: Iterator[MemberRow | Rejected]) -> None:
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, self._next_chunk, rows)
        applying: list[asyncio.Task[None]] = []
        analysed_at = 0
        while chunk := await pending:
            pending = loop.run_in_executor(None, self._next_chunk, rows)
            await self._room.acquire()
            if len(self.seen) >= 4 * analysed_at:
                # Plans go wrong while the tables grow from nothing; statistics catch up here.
                analysed_at = len(self.seen)
                await self.roster.pool.execute("ANALYZE members, postings, contacts, published")
            applying.append(asyncio.create_task(self._apply_chunk(chunk)))
        await asyncio.gather(*applying)

    async def _apply_chunk(self, chunk: list[MemberRow]) -> None:
        topics = self.roster.topics
        try:
            async with db.transaction(self.roster.pool) as conn:
                await conn.execute(TUNED)
                await staging.create(conn)
                await staging.copy_rows(conn, chunk)
                await staging.check(conn, self.scope)
                for row_no, key, reason, column in await staging.rejections(conn):
                    self.result.rejected.append(
                        (row_no, key, None, [{"code": reason, "column": column}])
                    )
                await staging.apply(conn)
                await conn.execute("ANALYZE touched")
                created = await staging.created_count(conn)
                changed = await staging.touched_count(conn)
                events = await publish.members(conn, topics.members, table="touched")
                events += await publish.contacts(conn, topics.contacts, table="touched")
            # Added after the awaits: `x += await f()` would lose a concurrent chunk's update.
            self.created += created
            self.changed += changed
            self.result.events += events
        finally:
            self._room.release()

    async def _finish(self) -> None:
        """Full-sync deactivation, the groups, the report: one last transaction."""
        result, topics = self.result, self.roster.topics
        async with db.transaction(self.roster.pool) as conn:
            await conn.execute(TUNED)
            await staging.create(conn)
            deactivated = 0
            if self.full_sync:
                await staging.mark_seen(conn, self.seen | self.present)
                kinds = ["pno"] if self.kind is ImportKind.POLICE else ["vol", "tel"]
                deactivated = await staging.deactivate_absent(conn, kinds, self.scope)
                events = await publish.members(conn, topics.members, table="touched")
                events += await publish.contacts(conn, topics.contacts, table="touched")
                result.events += events
            if self.changed or deactivated:
                events = await self.roster.regroup(conn, all_circles=True)
                result.events += events
            result.rejected.sort(key=lambda r: r[0])
            result.counts = {
                "accepted": result.total - len(result.rejected),
                "rejected": len(result.rejected),
                "created": self.created,
                "changed": self.changed - self.created,
                "deactivated": deactivated,
                "events": result.events,
            }
            await import_store.add_rejections(conn, result.import_id, result.rejected)
            await import_store.finish(
                conn, result.import_id, total=result.total, counts=result.counts
            )


def _unit_rows(
    text: IO[str], result: ImportResult
) -> list[tuple[int, str, str, str, str, str | None]]:
    reader = csv.reader(text)
    header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c in UNIT_IMPORT_COLUMNS if c not in header]
    if missing:
        raise HeaderError(missing)
    at = {c: header.index(c) for c in UNIT_IMPORT_COLUMNS}
    staged = []
    for n, raw in enumerate(reader, start=2):
        code, kind, hi, en, parent = (
            raw[at[c]].strip() if at[c] < len(raw) else "" for c in UNIT_IMPORT_COLUMNS
        )
        if kind not in {k.value for k in UnitKind}:
            result.rejected.append((n, code, None, [{"code": "bad-unit-kind", "column": "kind"}]))
        elif not code or not hi or not en:
            result.rejected.append((n, code, None, [{"code": "missing-field", "column": None}]))
        else:
            staged.append((n, code.upper(), kind, hi, en, parent.upper() or None))
    result.total = len(staged) + len(result.rejected)
    return staged


async def import_units(
    roster: Roster, text: IO[str], by: str, filename: str | None, import_id: str | None
) -> ImportResult:
    """A units list (HQ): new units are added, known ones renamed or moved, in one transaction."""
    result = ImportResult(import_id or new_import_id())
    staged = _unit_rows(text, result)
    async with db.transaction(roster.pool) as conn:
        if import_id is None:
            await import_store.create(
                conn,
                result.import_id,
                kind="units",
                full_sync=False,
                filename=filename,
                uploaded_by=by,
                scope=None,
            )
        await unit_store.stage(conn, staged)
        bad = await unit_store.check_staged(conn)
        for row_no, code, reason in bad:
            result.rejected.append((row_no, code, None, [{"code": reason, "column": "parent"}]))
        result.counts = await unit_store.apply_staged(conn, [b[0] for b in bad])
        result.counts["rejected"] = len(result.rejected)
        result.events = await roster.after_units(conn)
        result.counts["events"] = result.events
        await import_store.add_rejections(conn, result.import_id, result.rejected)
        await import_store.finish(conn, result.import_id, total=result.total, counts=result.counts)
    return result
