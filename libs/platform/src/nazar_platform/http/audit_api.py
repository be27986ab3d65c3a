"""Read API of the audit trail: `GET /audit` (cursor-paginated JSON) and `GET /audit.csv`.

The trail holds requests' entries (`nazar_platform.http.audit`) and automatic decisions'
(`nazar_platform.db.audit`: `automatic` true, the `actor` `system:<worker>`, the `subject`, the
triggering event's id in `cause_event_id` or the scheduler's reason in `reason`; no request id,
method, path or status). Both take the same filters (`from`, `to`, `member`, `unit` — the grant's
or the target's —, `outcome`, `action`, `automatic`, `actor`, `cause_event`) and list the newest
entries first. Both require the `audit.read` permission
(HQ roles): `audit_router(require(Action.AUDIT_READ))`; the service runtime mounts it under
`/api/v1`. The CSV is streamed in batches (constant memory, however long the trail) through the
one CSV writer, `nazar_platform.http.csv_files` (UTF-8 with a byte-order mark so that Excel shows
Hindi, cells that a spreadsheet would run as a formula prefixed with `'`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import asyncpg
import pydantic
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from nazar_platform.db.audit import is_automatic
from nazar_platform.http import csv_files
from nazar_platform.http.audit import AuditEntry
from nazar_platform.http.input_guard import Timestamp
from nazar_platform.http.pagination import Keyset, Page, PageParams, Row, page_params
from nazar_platform.runtime.context import runtime_of

COLUMNS = (
    "id",
    "at",
    "request_id",
    "member_id",
    "grant_role",
    "grant_unit",
    "action",
    "target_unit",
    "target_member",
    "method",
    "path",
    "status",
    "outcome",
    "reason",
    "client_ip",
    "user_agent",
    "actor",
    "subject",
    "cause_event_id",
)
KEYSET = Keyset(("id",), (int,), descending=True)
CSV_BATCH = 1000


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    FAILED = "failed"


@pydantic.dataclasses.dataclass(frozen=True)
class AuditRecord(AuditEntry):
    """An entry as stored: the written entry with its id and time (one list of fields, in
    `AuditEntry`)."""

    # An automatic decision's entry was no request: these are None there.
    request_id: str | None  # type: ignore[assignment]
    method: str | None  # type: ignore[assignment]
    path: str | None  # type: ignore[assignment]
    status: int | None  # type: ignore[assignment]
    id: int
    at: datetime
    outcome: Outcome  # narrowed from the entry's str: the API documents the three values
    automatic: bool  # made by a consumer or a scheduler, not by a request
    actor: str | None  # "system:<worker>" when automatic
    subject: str | None  # what an automatic decision is about ("directive:<id>")
    cause_event_id: str | None  # the CloudEvents id of the event that triggered it

    @classmethod
    def from_row(cls, row: Row) -> AuditRecord:
        return cls(**{c: row[c] for c in COLUMNS}, automatic=is_automatic(row["actor"]))


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    member: str | None = None
    unit: str | None = None
    outcome: Outcome | None = None
    action: str | None = None
    automatic: bool | None = None
    actor: str | None = None
    cause_event: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        conditions: list[str] = []
        args: list[Any] = []

        def add(sql: str, value: Any) -> None:
            args.append(value)
            conditions.append(sql.replace("?", f"${len(args)}"))

        if self.since is not None:
            add("at >= ?", self.since)
        if self.until is not None:
            add("at < ?", self.until)
        if self.member is not None:
            add("member_id = ?", self.member)
        if self.unit is not None:
            add("(grant_unit = ? OR target_unit = ?)", self.unit)
        if self.outcome is not None:
            add("outcome = ?", self.outcome.value)
        if self.action is not None:
            add("action = ?", self.action)
        if self.automatic is not None:
            conditions.append("actor IS NOT NULL" if self.automatic else "actor IS NULL")
        if self.actor is not None:
            add("actor = ?", self.actor)
        if self.cause_event is not None:
            add("cause_event_id = ?", self.cause_event)
        return conditions, args


def audit_filter(
    since: Annotated[
        Timestamp | None, Query(alias="from", description="Entries at or after (ISO 8601)")
    ] = None,
    until: Annotated[Timestamp | None, Query(alias="to", description="Entries before")] = None,
    member: Annotated[str | None, Query(description="Who acted (member id)")] = None,
    unit: Annotated[str | None, Query(description="Unit of the grant used, or the target")] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    action: Annotated[str | None, Query(description="Access action, e.g. directive.issue")] = None,
    automatic: Annotated[
        bool | None, Query(description="Only automatic decisions (true) or only requests (false)")
    ] = None,
    actor: Annotated[
        str | None, Query(description="The automatic actor, e.g. system:scheduler")
    ] = None,
    cause_event: Annotated[
        str | None, Query(description="The id of the event that triggered a decision")
    ] = None,
) -> AuditFilter:
    return AuditFilter(since, until, member, unit, outcome, action, automatic, actor, cause_event)


async def fetch_page(
    pool: asyncpg.Pool, filters: AuditFilter, cursor: str | None, limit: int
) -> list[asyncpg.Record]:
    conditions, args = filters.where()
    after, after_args = KEYSET.after(cursor, first_param=len(args) + 1)
    args += after_args
    args.append(limit)
    sql = (
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {' AND '.join([*conditions, after])} "
        f"ORDER BY {KEYSET.order_by()} LIMIT ${len(args)}"
    )
    return await pool.fetch(sql, *args)


def csv_lines(rows: list[asyncpg.Record]) -> str:
    return csv_files.lines([row[c] for c in COLUMNS] for row in rows)


async def csv_stream(pool: asyncpg.Pool, filters: AuditFilter) -> AsyncIterator[bytes]:
    yield csv_files.header(COLUMNS).encode()
    cursor: str | None = None
    while True:
        rows = await fetch_page(pool, filters, cursor, CSV_BATCH)
        if rows:
            yield csv_lines(rows).encode()
        if len(rows) < CSV_BATCH:
            return
        cursor = KEYSET.cursor_for(rows[-1])


def audit_router(audit_read: Callable[..., Any]) -> APIRouter:
    """The read API; `audit_read` is the dependency that allows `audit.read` or raises 403."""
    router = APIRouter(tags=["audit"], dependencies=[Depends(audit_read)])

    @router.get("/audit", summary="The audit trail, newest first")
    async def list_audit(
        request: Request,
        filters: Annotated[AuditFilter, Depends(audit_filter)],
        page: Annotated[PageParams, Depends(page_params)],
    ) -> Page[AuditRecord]:
        pool = runtime_of(request).pool
        rows = await fetch_page(pool, filters, page.cursor, page.limit + 1)
        return KEYSET.page(rows, page.limit, AuditRecord.from_row)

    @router.get(
        "/audit.csv",
        summary="The audit trail as CSV (UTF-8 with BOM), newest first",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def export_audit(
        request: Request, filters: Annotated[AuditFilter, Depends(audit_filter)]
    ) -> StreamingResponse:
        return csv_files.response(csv_stream(runtime_of(request).pool, filters), "audit.csv")

    return router
