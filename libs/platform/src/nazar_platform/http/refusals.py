"""Refusals in the audit trail: 401, 403 and 429 counted per minute, written off the request path.

Every refused request used to be a row of `audit_log`: a flood of them (hundreds a second from
one address) grew the table without bound. `AuditMiddleware` now hands each refusal to the app's
`RefusalCounter`, which adds it to a tally in memory keyed by (minute, who, status, precise
reason, action); `who` is the member whose token was verified, else the client address. A task of
the runtime writes the tallies every `FLUSH_SECONDS` as upserts (`count = count + n`) into
`audit_refusals` (platform migration 005), and once more on shutdown; the response never waits for
it. Past `max_callers` distinct callers refused in one minute, a process counts the others under
(`overflow`, `*`), so the table grows by a bounded number of rows a minute whatever the flood.
A write that fails is logged at error level with its tallies and counted
(`nazar_audit_write_failures_total`).

The precise reason (`key_confusion`, `unknown_kid`, `outside_scope`, `rate_limit.address`, ...)
is what the caller is never told (a 401 says "not signed in", a 403 "not allowed"): it is here,
and in the log line of each 401 and 403. The read API is `GET /audit/refusals` (HQ, like
`/audit`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from nazar_platform.http.input_guard import Timestamp
from nazar_platform.http.pagination import Keyset, Page, PageParams, Row, page_params
from nazar_platform.observability import metrics
from nazar_platform.runtime.context import Runtime, runtime_of
from nazar_platform.runtime.retry import sleep_or_stop
from nazar_platform.text import replace_invalid

log = structlog.get_logger(__name__)

FLUSH_SECONDS = 1.0
MAX_CALLERS_PER_MINUTE = 1000
_WHO_MAX = 200


@dataclass(frozen=True, slots=True)
class RefusalKey:
    minute: datetime
    who_kind: str  # member | address | overflow
    who: str
    status: int
    reason: str
    action: str  # '' when no access decision was made


@dataclass(slots=True)
class Tally:
    count: int
    first_at: datetime
    last_at: datetime


def _safe(text: str) -> str:
    """What may be stored as text: a character that is not text is replaced, not refused."""
    return replace_invalid(text[:_WHO_MAX])


class RefusalCounter:
    def __init__(self, max_callers: int = MAX_CALLERS_PER_MINUTE) -> None:
        self._max_callers = max_callers
        self._pending: dict[RefusalKey, Tally] = {}
        self._minute: datetime | None = None
        self._callers: set[tuple[str, str]] = set()

    def add(
        self,
        *,
        member_id: str | None,
        address: str | None,
        status: int,
        reason: str,
        action: str | None,
        at: datetime | None = None,
    ) -> RefusalKey:
        at = at or datetime.now(UTC)
        minute = at.replace(second=0, microsecond=0)
        if minute != self._minute:
            self._minute, self._callers = minute, set()
        caller = ("member", member_id) if member_id else ("address", address or "-")
        if caller not in self._callers and len(self._callers) >= self._max_callers:
            metrics.AUDIT_REFUSALS_DROPPED.inc()
            caller = ("overflow", "*")
        else:
            self._callers.add(caller)
        key = RefusalKey(minute, caller[0], _safe(caller[1]), status, _safe(reason), action or "")
        tally = self._pending.get(key)
        if tally is None:
            self._pending[key] = Tally(1, at, at)
        else:
            tally.count += 1
            tally.last_at = at
        return key

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self, pool: asyncpg.Pool) -> None:
        batch, self._pending = self._pending, {}
        if not batch:
            return
        rows = [(*astuple(key), t.count, t.first_at, t.last_at) for key, t in batch.items()]
        try:
            await asyncio.wait_for(pool.executemany(_UPSERT, rows), 10)
        except Exception as exc:  # whatever broke, the tallies must show up somewhere
            metrics.AUDIT_WRITE_FAILURES.inc(len(rows))
            log.error(
                "refusal tallies not written",
                error=repr(exc),
                tallies=[{**_plain(k), "count": t.count} for k, t in batch.items()],
            )
            return
        metrics.AUDIT_RECORDED.labels("refused").inc(sum(t.count for t in batch.values()))

    async def run(self, runtime: Runtime, stop: asyncio.Event) -> None:
        """Write the tallies every FLUSH_SECONDS until the service stops, then once more."""
        while not stop.is_set():
            await sleep_or_stop(stop, FLUSH_SECONDS)
            await self.flush(runtime.pool)


def _plain(key: RefusalKey) -> dict[str, Any]:
    return {
        "minute": key.minute.isoformat(),
        "who_kind": key.who_kind,
        "who": key.who,
        "status": key.status,
        "reason": key.reason,
        "action": key.action,
    }


_UPSERT = """
INSERT INTO audit_refusals (minute, who_kind, who, status, reason, action, count, first_at,
                            last_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (minute, who_kind, who, status, reason, action) DO UPDATE
SET count = audit_refusals.count + EXCLUDED.count,
    last_at = GREATEST(audit_refusals.last_at, EXCLUDED.last_at)
"""

# --- the read API ---------------------------------------------------------------------------------

KEYSET = Keyset(("minute", "id"), (datetime, int), descending=True)
COLUMNS = ("id", "minute", "who_kind", "who", "status", "reason", "action", "count", "first_at",
           "last_at")  # fmt: skip


class RefusalRecord(BaseModel):
    id: int
    minute: datetime
    who_kind: str
    who: str
    status: int
    reason: str
    action: str | None
    count: int
    first_at: datetime
    last_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> RefusalRecord:
        values = {c: row[c] for c in COLUMNS}
        values["action"] = values["action"] or None
        return cls.model_validate(values)


def refusals_router(audit_read: Callable[..., Any]) -> APIRouter:
    """`GET /audit/refusals`, guarded by the same dependency as the rest of the audit API."""
    router = APIRouter(tags=["audit"], dependencies=[Depends(audit_read)])

    @router.get("/audit/refusals", summary="Refused requests (401, 403, 429), counted per minute")
    async def list_refusals(
        request: Request,
        page: Annotated[PageParams, Depends(page_params)],
        since: Annotated[Timestamp | None, Query(alias="from", description="Minutes from")] = None,
        until: Annotated[Timestamp | None, Query(alias="to", description="Minutes before")] = None,
        who: Annotated[str | None, Query(description="Member id or client address")] = None,
        reason: Annotated[str | None, Query(description="e.g. outside_scope")] = None,
        status: Annotated[int | None, Query(ge=400, le=499)] = None,
    ) -> Page[RefusalRecord]:
        conditions: list[str] = []
        args: list[Any] = []
        for sql, value in (
            ("minute >= ?", since),
            ("minute < ?", until),
            ("who = ?", who),
            ("reason = ?", reason),
            ("status = ?", status),
        ):
            if value is not None:
                args.append(value)
                conditions.append(sql.replace("?", f"${len(args)}"))
        after, after_args = KEYSET.after(page.cursor, first_param=len(args) + 1)
        args += [*after_args, page.limit + 1]
        rows = await runtime_of(request).pool.fetch(
            f"SELECT {', '.join(COLUMNS)} FROM audit_refusals"
            f" WHERE {' AND '.join([*conditions, after])}"
            f" ORDER BY {KEYSET.order_by()} LIMIT ${len(args)}",
            *args,
        )
        return KEYSET.page(rows, page.limit, RefusalRecord.from_row)

    return router
