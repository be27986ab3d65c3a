"""Bulk import of members: the HR export and the volunteer lists (CSV).

The file arrives read in full (`nazar_platform.http.csv_files.read_checked`): it decodes and splits
into records, so nothing about it can fail half-way. Member rows then go in chunks of CHUNK, one
transaction each, two transactions at once, while the next chunk is parsed in a thread:
PostgreSQL works on both cores and the outbox publisher sends the first members while later ones
are still being applied. Every committed chunk leaves a progress row, so an import the database or a
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
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO

import structlog
from nazar_platform import db
from nazar_platform.http.csv_files import CheckedCsv, uncell
from nazar_platform.runtime import faults
from nazar_platform.text import first_invalid

from roster import metrics
from roster.domain.imports import ImportResult, Mode, Problems, new_import_id
from roster.domain.rows import (
    COLUMNS,
    ImportKind,
    MemberRow,
    Rejected,
    check_header,
    parse_police,
    parse_volunteer,
)
from roster.domain.sync import confirmations_needed
from roster.handlers import events as roster_events
from roster.handlers.context import Roster
from roster.handlers.propagate import regroup
from roster.store import imports as import_store
from roster.store import staging

log = structlog.get_logger(__name__)

CHUNK = 25_000
APPLYING_AT_ONCE = 2


def invalid_columns(values: dict[str, str], columns: Sequence[str]) -> list[str]:
    """The columns whose cell holds text that is not acceptable (NUL, controls, ...)."""
    if first_invalid(" ".join(values.values())) is None:  # one look at the whole row, mostly
        return []
    return [c for c in columns if (v := values.get(c)) and first_invalid(v) is not None]


async def forget_rejected_rows(roster: Roster, kept: timedelta) -> int:
    """The cells of rejected rows (phone numbers among them) go `kept` after their import."""
    async with db.transaction(roster.pool) as conn:
        return await import_store.forget_rejected_cells(conn, datetime.now(UTC) - kept)


async def import_members(
    roster: Roster,
    kind: ImportKind,
    source: CheckedCsv,
    *,
    by: str,
    scope: Sequence[str] | None,
    mode: Mode = Mode.APPLY,
    filename: str | None = None,
    import_id: str | None = None,
) -> ImportResult:
    """Validate and apply a file, or review a full sync."""
    job = MemberImport(roster, kind, scope, import_id or new_import_id(), mode=mode, by=by)
    return await job.run(source, filename=filename, create=import_id is None)


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
        self.header: list[str] = []  # as the file wrote it, for the rejected rows' download
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

    def _rows(self, text: IO[str]) -> Iterator[tuple[list[str], MemberRow | Rejected]]:
        """Each row parsed, beside its cells as the file has them."""
        reader = csv.reader(text)
        self.header = next(reader, [])
        header = check_header(self.kind, self.header)
        if self.header:
            self.header[0] = self.header[0].lstrip("\ufeff")
        known = COLUMNS[self.kind]
        now = datetime.now(UTC)
        secret = self.roster.secret
        for n, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            # A cell our own CSVs neutralised ('+91…) reads as it was: rejected rows come back.
            values = dict(zip(header, map(uncell, raw), strict=False))
            invalid = invalid_columns(values, known)
            if self.kind is ImportKind.POLICE:
                yield raw, parse_police(n, values, secret, invalid)
            else:
                yield raw, parse_volunteer(n, values, secret, now, invalid)

    def _next_chunk(
        self, rows: Iterator[tuple[list[str], MemberRow | Rejected]]
    ) -> tuple[list[MemberRow], dict[int, list[str]]]:
        """Runs in a worker thread: up to CHUNK good rows and their cells (the database may
        still refuse them), recording the bad ones."""
        chunk: list[MemberRow] = []
        cells: dict[int, list[str]] = {}
        for raw, item in rows:
            self.result.total += 1
            if isinstance(item, Rejected):
                problems: Problems = [{"code": p.code, "column": p.column} for p in item.problems]
                self.result.reject(
                    item.row_no, item.natural_key, problems, member_id=item.member_id, cells=raw
                )
                if item.member_id is not None:
                    self.present.add(item.member_id)
            elif item.member_id in self.seen:
                duplicate: Problems = [{"code": "duplicate-key", "column": None}]
                self.result.reject(
                    item.row_no, item.natural_key, duplicate, member_id=item.member_id, cells=raw
                )
            else:
                self.seen.add(item.member_id)
                chunk.append(item)
                cells[item.row_no] = raw
                if len(chunk) >= CHUNK:
                    break
        return chunk, cells

    async def _apply_all(self, rows: Iterator[tuple[list[str], MemberRow | Rejected]]) -> None:
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, self._next_chunk, rows)
        applying: list[asyncio.Task[None]] = []
        analysed_at = 0
        while True:
            chunk, cells = await pending
            if not chunk:
                break
            pending = loop.run_in_executor(None, self._next_chunk, rows)
            await self._room.acquire()
            if len(self.seen) >= 4 * analysed_at and self.mode is not Mode.REVIEW:
                analysed_at = len(self.seen)
                await staging.analyze_members(self.roster.pool)
            self.chunks += 1
            applying.append(asyncio.create_task(self._apply_chunk(self.chunks, chunk, cells)))
        await asyncio.gather(*applying)

    async def _apply_chunk(
        self, number: int, chunk: list[MemberRow], cells: dict[int, list[str]]
    ) -> None:
        topics = self.roster.topics
        unit_column = "unit" if self.kind is ImportKind.POLICE else "police_station"
        try:
            async with db.transaction(self.roster.pool) as conn:
                await staging.tune_for_bulk(conn)
                await staging.create(conn)
                await staging.copy_rows(conn, chunk)
                await staging.check(conn, self.scope, unit_column)
                refused = await staging.rejections(conn)
                members = {r.row_no: r.member_id for r in chunk} if refused else {}
                for row_no, key, reason, column in refused:
                    self.result.reject(
                        row_no, key, [{"code": reason, "column": column}],
                        member_id=members.get(row_no), cells=cells.get(row_no),
                    )  # fmt: skip
                if self.mode is Mode.REVIEW:
                    return  # the staging tables go with the transaction: nothing applied
                await staging.apply(conn)
                await staging.analyze_touched(conn)
                created = await staging.created_count(conn)
                changed = await staging.touched_count(conn)
                events = await roster_events.members(conn, topics)
                events += await roster_events.contacts(conn, topics)
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
            await staging.tune_for_bulk(conn)
            await staging.create(conn)
            if self.mode is not Mode.APPLY:
                await staging.mark_seen(conn, self.seen | self.present)
            rejected = result.merged()
            counts = {"accepted": result.total - len(rejected), "rejected": len(rejected)}
            await import_store.replace_rejections(
                conn, result.import_id, rejected, header=self.header, cells=result.cells
            )
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
                events = await roster_events.members(conn, topics)
                events += await roster_events.contacts(conn, topics)
                result.events += events
                await import_store.drop_file(conn, result.import_id)
            if self.changed or deactivated:
                events = await regroup(conn, topics, all_circles=True)
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
