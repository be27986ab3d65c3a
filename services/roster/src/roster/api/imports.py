"""/imports: upload a CSV (HR export, volunteer list, units) and read its report."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from typing import IO, Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from nazar_platform.access import Action, scope_units
from nazar_platform.access_fastapi import require
from nazar_platform.auth import Principal
from nazar_platform.idempotency import IdempotencyClaim
from nazar_platform.pagination import Page, PageParams, page_params
from nazar_platform.problems import ProblemError

from roster.api.common import (
    IDEMPOTENT,
    after_cursor,
    forbidden,
    may,
    not_found,
    page_of,
    pool_of,
    roster_of,
)  # fmt: skip
from roster.bulk import UNIT_IMPORT_COLUMNS, new_import_id
from roster.domain.rows import REASONS, HeaderError, ImportKind, check_header
from roster.schemas import ImportOut, ImportReport, Problem, RejectedRow
from roster.store import imports as import_store

log = structlog.get_logger(__name__)
router = APIRouter(tags=["imports"])
Importer = Annotated[Principal, Depends(require(Action.ROSTER_IMPORT))]
SPOOL_IN_MEMORY = 8 * 1024 * 1024
_CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The CSV file (UTF-8); column sets in the roster README",
    }
}


def _out(r: Any) -> ImportOut:
    return ImportOut(
        import_id=r["import_id"], kind=r["kind"], full_sync=r["full_sync"],
        filename=r["filename"], status=r["status"], error=r["error"],
        total_rows=r["total_rows"], counts=dict(r["counts"]), received_at=r["received_at"],
        finished_at=r["finished_at"],
    )  # fmt: skip


async def _spool(request: Request) -> IO[str]:
    raw = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed on
    async for chunk in request.stream():
        raw.write(chunk)
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        first = text.readline()
    except UnicodeDecodeError as exc:
        raise ProblemError(422, "roster.import_not_utf8") from exc
    text.seek(0)
    return text if first else io.StringIO("")


def _header_of(text: IO[str]) -> list[str]:
    header = next(csv.reader([text.readline()]), [])
    text.seek(0)
    return header


@router.post(
    "/imports", status_code=202, openapi_extra=_CSV_BODY,
    summary="Upload a CSV; it is applied in the background, read the report at Location",
)  # fmt: skip
async def upload(
    request: Request,
    response: Response,
    principal: Importer,
    kind: Annotated[ImportKind | None, Query(description="police or volunteers")] = None,
    units: Annotated[bool, Query(description="the file is a units list (HQ only)")] = False,
    full_sync: Annotated[
        bool, Query(description="deactivate members of this kind in your area absent here")
    ] = False,
    filename: Annotated[str | None, Query(max_length=200)] = None,
    claim: Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)] = None,
) -> ImportOut:
    scope = scope_units(principal, Action.ROSTER_IMPORT)
    area = None if scope.everywhere else sorted(scope.unit_ids)
    text = await _spool(request)
    header = _header_of(text)
    try:
        if units:
            missing = [
                c for c in UNIT_IMPORT_COLUMNS if c not in [h.strip().lower() for h in header]
            ]
            if missing:
                raise HeaderError(missing)
        else:
            check_header(kind or ImportKind.POLICE, header)
    except HeaderError as exc:
        raise ProblemError(
            422, "roster.import_bad_header", detail_params={"missing": ", ".join(exc.missing)}
        ) from exc
    if units and area is not None:
        raise ProblemError(403, "roster.import_units_state_only")
    roster = roster_of(request)
    import_id = f"imp-{claim.derived_id('import').hex[:20]}" if claim else new_import_id()
    async with roster.pool.acquire() as conn:
        if await import_store.get(conn, import_id) is None:
            await import_store.create(
                conn, import_id, kind="units" if units else (kind or ImportKind.POLICE).value,
                full_sync=full_sync, filename=filename, uploaded_by=principal.member_id,
                scope=area,
            )  # fmt: skip
            task = asyncio.create_task(
                _run(roster, import_id, text, units, kind or ImportKind.POLICE, area, full_sync,
                     principal.member_id, filename)
            )  # fmt: skip
            tasks: set[asyncio.Task[None]] = request.app.state.import_tasks
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        row = await import_store.get(conn, import_id)
    response.headers["Location"] = f"/api/v1/imports/{import_id}"
    return _out(row)


async def _run(
    roster: Any, import_id: str, text: IO[str], units: bool, kind: ImportKind,
    area: list[str] | None, full_sync: bool, by: str, filename: str | None,
) -> None:  # fmt: skip
    try:
        with text:
            if units:
                await roster.import_units(text, by, filename, import_id=import_id)
            else:
                await roster.import_members(
                    kind, text, by=by, scope=area, full_sync=full_sync, filename=filename,
                    import_id=import_id,
                )  # fmt: skip
    except Exception as exc:
        # Never the message: a database error can quote a whole row (names, numbers).
        log.error(
            "import failed",
            import_id=import_id,
            error=type(exc).__name__,
            sqlstate=getattr(exc, "sqlstate", None),
        )


async def _readable(request: Request, principal: Principal, row: Any) -> bool:
    if row["uploaded_by"] == principal.member_id:
        return True
    area = row["scope_units"]
    if area is None:
        return scope_units(principal, Action.ROSTER_IMPORT).everywhere
    for unit in area:
        if not await may(request, principal, Action.ROSTER_IMPORT, unit_id=unit):
            return False
    return True


@router.get("/imports/{import_id}", summary="Status, counts and the rejected rows (paged)")
async def report(
    import_id: str,
    request: Request,
    principal: Importer,
    page: Annotated[PageParams, Depends(page_params)],
) -> ImportReport:
    pool = pool_of(request)
    row = await import_store.get(pool, import_id)
    if row is None:
        raise not_found("roster.import_not_found")
    if not await _readable(request, principal, row):
        raise forbidden(Action.ROSTER_IMPORT)
    rows = await import_store.rejections_page(
        pool, import_id, after=after_cursor(page.cursor, int), limit=page.limit + 1
    )
    rejected = page_of(
        rows,
        page.limit,
        "row_no",
        lambda r: RejectedRow(
            row=r["row_no"],
            key=r["natural_key"],
            problems=[
                Problem(
                    code=p["code"],
                    column=p.get("column"),
                    hi=REASONS.get(p["code"], (p["code"], p["code"]))[0],
                    en=REASONS.get(p["code"], (p["code"], p["code"]))[1],
                )
                for p in r["reasons"]
            ],
        ),
    )
    return ImportReport(
        **_out(row).model_dump(), rejected=rejected.items, next_cursor=rejected.next_cursor
    )


@router.get("/imports", summary="Your imports, newest first (all of them for headquarters)")
async def list_imports(
    request: Request, principal: Importer, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ImportOut]:
    everywhere = scope_units(principal, Action.ROSTER_IMPORT).everywhere
    rows = await import_store.page(
        pool_of(request), uploaded_by=None if everywhere else principal.member_id,
        after=after_cursor(page.cursor), limit=page.limit + 1,
    )  # fmt: skip
    return page_of(rows, page.limit, "import_id", _out)
