"""Bulk import: the HR export and volunteer lists (CSV), and the units list.

The file arrives read in full (`nazar_platform.http.csv_files.read_checked`): it decodes and splits
into records, so nothing about it can fail half-way. Member rows then go in chunks of CHUNK, one
transaction each, two transactions at once, while the next chunk is parsed in a thread:
PostgreSQL works on both cores and the relay publishes the first members while later ones are
still being applied. Every committed chunk leaves a progress row, so an import the database or a
crash stops half-way is reported `interrupted` with what it applied (running it again completes
it: applying is idempotent), and `failed` means nothing was applied. Bad rows are reported, one
rejection per row listing all its problems, and never stop the good ones; a member named twice
in one file is applied once (the first row).

A full sync is reviewed first (`Mode.REVIEW`: rows parsed and checked, nothing applied), listing
who would be deactivated; once confirmed (`roster.domain.sync`) it is applied (`Mode.SYNC`) and
deactivates only members the review listed.
"""

from __future__ import annotations

import asyncio
import csv
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, TYPE_CHECKING

import structlog
from nazar_contracts.vocabulary import UnitKind
from nazar_platform import db
from nazar_platform.http.csv_files import CheckedCsv
from nazar_platform.runtime import faults
from nazar_platform.text import first_invalid

from roster import metrics
from roster.domain.rows import (
    COLUMNS,
    HeaderError,
    ImportKind,
    MemberRow,
    Rejected,
    check_header,
    parse_police,
    parse_volunteer,
)
from roster.domain.sync import confirmations_needed
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
# (row, key shown to the clerk, member id, problems)
Rejection = tuple[int, str | None, str | None, Problems]


class Mode(StrEnum):
    APPLY = "apply"  # an import without full sync
    REVIEW = "review"  # a full sync's dry run: nothing applied
    SYNC = "sync"  # a confirmed full sync


@dataclass
class ImportResult:
    import_id: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    events: int = 0

    def reject(self, row_no: int, key: str | None, problems: Problems) -> None:
        self.rejected.append((row_no, key, None, problems))

    def merged(self) -> list[Rejection]:
        """One rejection per row, in row order, listing each of its problems once."""
        by_row: dict[int, Rejection] = {}
        for n, key, member, problems in sorted(self.rejected, key=lambda r: r[0]):
            if n not in by_row:
                by_row[n] = (n, key, member, [])
            seen = by_row[n]
            seen[3].extend(p for p in problems if p not in seen[3])
            by_row[n] = (n, seen[1] or key, seen[2] or member, seen[3])
        return list(by_row.values())


def new_import_id() -> str:
    return f"imp-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{secrets.token_hex(4)}"


def invalid_columns(values: dict[str, str], columns: Sequence[str]) -> list[str]:
    """The columns whose cell holds text that is not acceptable (NUL, controls, ...)."""
    if first_invalid(" ".join(values.values())) is None:  # one look at the whole row, mostly
        return []
    return [c for c in columns if (v := values.get(c)) and first_invalid(v) is not None]


class MemberImport:
    def __init__(
        self,
        roster: Roster,
        kind: ImportKind,
        scope: Sequence[str] | None,
        import_id: str,
        *,
        mode: Mode = Mode.APPLY,
        by: str,
    ) -> None:
        self.roster = roster
        self.kind = kind
        self.scope = scope
        self.mode = mode
        self.by = by
        self.result = ImportResult(import_id)
        self.seen: set[str] = set()
        self.present: set[str] = set()  # members of rejected rows, for the full sync
        self.created = 0
        self.changed = 0
        self.chunks = 0
        self._room = asyncio.Semaphore(APPLYING_AT_ONCE)

    async def run(self, source: CheckedCsv, *, filename: str | None, create: bool) -> ImportResult:
        started = time.perf_counter()
        pool = self.roster.pool
        if create:
            async with db.transaction(pool) as conn:
                await import_store.create(
                    conn, self.result.import_id, kind=self.kind.value,
                    full_sync=self.mode is not Mode.APPLY, filename=filename, uploaded_by=self.by,
                    scope=self.scope,
                )  # fmt: skip
        try:
            await self._apply_all(self._rows(source.text))
            await self._finish()
        except Exception as exc:
            async with db.transaction(pool) as conn:
                await import_store.fail(conn, self.result.import_id, type(exc).__name__)
            raise
        counts = self.result.counts
        if self.mode is not Mode.REVIEW:
            metrics.IMPORT_ROWS.labels(self.kind.value, "accepted").inc(counts["accepted"])
            metrics.IMPORT_ROWS.labels(self.kind.value, "rejected").inc(counts["rejected"])
            metrics.IMPORT_SECONDS.labels(self.kind.value).observe(time.perf_counter() - started)
        log.info(
            "import reviewed" if self.mode is Mode.REVIEW else "import applied",
            import_id=self.result.import_id, kind=self.kind.value, **counts,
        )  # fmt: skip
        return self.result

    def _rows(self, text: IO[str]) -> Iterator[MemberRow | Rejected]:
        reader = csv.reader(text)
        header = check_header(self.kind, next(reader, []))
        known = COLUMNS[self.kind]
        now = datetime.now(UTC)
        secret = self.roster.secret
        for n, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            values = dict(zip(header, raw, strict=False))
            invalid = invalid_columns(values, known)
            if self.kind is ImportKind.POLICE:
                yield parse_police(n, values, secret, invalid)
            else:
                yield parse_volunteer(n, values, secret, now, invalid)

    def _next_chunk(self, rows: Iterator[MemberRow | Rejected]) -> list[MemberRow]:
        """Runs in a worker thread: up to CHUNK good rows, recording the bad ones."""
        chunk: list[MemberRow] = []
        for item in rows:
            self.result.total += 1
            if isinstance(item, Rejected):
                problems: Problems = [{"code": p.code, "column": p.column} for p in item.problems]
                self.result.reject(item.row_no, item.natural_key, problems)
                if item.member_id is not None:
                    self.present.add(item.member_id)
            elif item.member_id in self.seen:
                duplicate: Problems = [{"code": "duplicate-key", "column": None}]
                self.result.reject(item.row_no, item.natural_key, duplicate)
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
            if len(self.seen) >= 4 * analysed_at and self.mode is not Mode.REVIEW:
                # Plans go wrong while the tables grow from nothing; statistics catch up here.
                analysed_at = len(self.seen)
                await self.roster.pool.execute("ANALYZE members, postings, contacts, published")
            self.chunks += 1
            applying.append(asyncio.create_task(self._apply_chunk(self.chunks, chunk)))
        await asyncio.gather(*applying)

    async def _apply_chunk(self, number: int, chunk: list[MemberRow]) -> None:
        topics = self.roster.topics
        unit_column = "unit" if self.kind is ImportKind.POLICE else "police_station"
        try:
            async with db.transaction(self.roster.pool) as conn:
                await conn.execute(TUNED)
                await staging.create(conn)
                await staging.copy_rows(conn, chunk)
                await staging.check(conn, self.scope, unit_column)
                for row_no, key, reason, column in await staging.rejections(conn):
                    self.result.reject(row_no, key, [{"code": reason, "column": column}])
                if self.mode is Mode.REVIEW:
                    return  # the staging tables go with the transaction: nothing applied
                await staging.apply(conn)
                await conn.execute("ANALYZE touched")
                created = await staging.created_count(conn)
                changed = await staging.touched_count(conn)
                events = await publish.members(conn, topics.members, table="touched")
                events += await publish.contacts(conn, topics.contacts, table="touched")
                await import_store.add_progress(
                    conn, self.result.import_id, number, rows=len(chunk), created=created,
                    changed=changed, events=events,
                )  # fmt: skip
            faults.point("roster.import.after_chunk")
            # Added after the awaits: `x += await f()` would lose a concurrent chunk's update.
            self.created += created
            self.changed += changed
            self.result.events += events
        finally:
            self._room.release()

    async def _finish(self) -> None:
        """Full-sync review or deactivation, the groups, the report: one last transaction."""
        result, topics = self.result, self.roster.topics
        kinds = ["pno"] if self.kind is ImportKind.POLICE else ["vol", "tel"]
        async with db.transaction(self.roster.pool) as conn:
            await conn.execute(TUNED)
            await staging.create(conn)
            if self.mode is not Mode.APPLY:
                await staging.mark_seen(conn, self.seen | self.present)
            rejected = result.merged()
            counts = {"accepted": result.total - len(rejected), "rejected": len(rejected)}
            await import_store.replace_rejections(conn, result.import_id, rejected)
            if self.mode is Mode.REVIEW:
                would, active = await staging.review_absent(
                    conn, result.import_id, kinds, self.scope, self.by
                )
                result.counts = counts | {"would_deactivate": would, "active": active}
                policy = self.roster.sync_policy
                await import_store.await_confirmation(
                    conn, result.import_id, total=result.total, counts=result.counts,
                    needed=confirmations_needed(would, active, policy),
                    before=datetime.now(UTC) + policy.confirm_within,
                )  # fmt: skip
                return
            deactivated = 0
            if self.mode is Mode.SYNC:
                deactivated = await staging.deactivate_reviewed(
                    conn, result.import_id, kinds, self.scope
                )
                events = await publish.members(conn, topics.members, table="touched")
                events += await publish.contacts(conn, topics.contacts, table="touched")
                result.events += events
                await import_store.drop_file(conn, result.import_id)
            if self.changed or deactivated:
                events = await self.roster.regroup(conn, all_circles=True)
                result.events += events
            result.counts = counts | {
                "created": self.created,
                "changed": self.changed - self.created,
                "deactivated": deactivated,
                "events": result.events,
            }
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
    kinds = {k.value for k in UnitKind}
    staged = []
    for n, raw in enumerate(reader, start=2):
        values = {c: raw[at[c]].strip() if at[c] < len(raw) else "" for c in UNIT_IMPORT_COLUMNS}
        invalid = invalid_columns(values, UNIT_IMPORT_COLUMNS)
        code, kind, hi, en, parent = ("" if c in invalid else values[c] for c in values)
        problems: Problems = [{"code": "invalid-text", "column": c} for c in invalid]
        if kind not in kinds and "kind" not in invalid:
            problems.append({"code": "bad-unit-kind", "column": "kind"})
        problems += [
            {"code": "missing-field", "column": c}
            for c, v in (("unit_code", code), ("name_hi", hi), ("name_en", en))
            if not v and c not in invalid
        ]
        if problems:
            result.reject(n, code or None, problems)
        else:
            staged.append((n, code.upper(), kind, hi, en, parent.upper() or None))
    result.total = len(staged) + len(result.rejected)
    return staged


async def import_units(
    roster: Roster, source: CheckedCsv, by: str, filename: str | None, import_id: str | None
) -> ImportResult:
    """A units list (HQ): new units are added, known ones renamed or moved, in one transaction."""
    result = ImportResult(import_id or new_import_id())
    if import_id is None:
        async with db.transaction(roster.pool) as conn:
            await import_store.create(
                conn, result.import_id, kind="units", full_sync=False, filename=filename,
                uploaded_by=by, scope=None,
            )  # fmt: skip
    try:
        staged = _unit_rows(source.text, result)
        async with db.transaction(roster.pool) as conn:
            await unit_store.stage(conn, staged)
            bad = await unit_store.check_staged(conn)
            for row_no, code, reason in bad:
                result.reject(row_no, code, [{"code": reason, "column": "parent"}])
            result.counts = await unit_store.apply_staged(conn, [b[0] for b in bad])
            rejected = result.merged()
            result.counts["rejected"] = len(rejected)
            result.events = await roster.after_units(conn)
            result.counts["events"] = result.events
            await import_store.replace_rejections(conn, result.import_id, rejected)
            await import_store.finish(
                conn, result.import_id, total=result.total, counts=result.counts
            )
    except Exception as exc:
        async with db.transaction(roster.pool) as conn:
            await import_store.fail(conn, result.import_id, type(exc).__name__)
        raise
    return result
