"""/imports: upload a CSV (HR export, volunteer list, units) and read its report.

The upload is read in full before the import exists (`nazar_platform.http.csv_files.read_checked`):
a file that is not UTF-8 or not CSV is a 422 naming its line, and nothing is applied. A full sync
is only reviewed here; it applies once confirmed (`roster.api.import_reviews`).
"""

from __future__ import annotations

import asyncio
import csv
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request, Response
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.csv_files import CheckedCsv, CsvReadError, read_checked
from nazar_platform.http.edge import body_limit
from nazar_platform.http.idempotency import IdempotencyClaim
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError

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
from roster.api.schemas import (
    ImportOut,
    ImportReport,
    PersonName,
    RejectedRow,
    RowProblem,
    SyncReview,
)  # fmt: skip
from roster.domain.imports import UNIT_IMPORT_COLUMNS, Mode, new_import_id
from roster.domain.reasons import REASONS
from roster.domain.rows import HeaderError, ImportKind, check_header
from roster.handlers.context import Roster
from roster.handlers.imports import import_members
from roster.handlers.unit_imports import import_units
from roster.settings import IMPORT_BODY_BYTES
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
    },
    **body_limit(IMPORT_BODY_BYTES),
}


def out(r: Any, names: Mapping[str, tuple[str | None, str | None]] | None = None) -> ImportOut:
    """An import's row; `names`: the confirmers' (the uploader's come with a named row)."""
    review = None
    if r["confirmations_needed"] is not None:
        named = names or {}
        review = SyncReview(
            would_deactivate=r["counts"].get("would_deactivate", 0),
            active=r["counts"].get("active", 0),
            confirmations_needed=r["confirmations_needed"],
            confirmed_by=list(r["confirmed_by"]),
            confirmers=[
                PersonName(member_id=m, name_hi=named[m][0], name_latin=named[m][1])
                for m in r["confirmed_by"] if m in named
            ],
            confirm_before=r["confirm_before"],
        )  # fmt: skip
    return ImportOut(
        import_id=r["import_id"], kind=r["kind"], full_sync=r["full_sync"],
        filename=r["filename"], status=r["status"], error=r["error"],
        total_rows=r["total_rows"], counts=dict(r["counts"]), received_at=r["received_at"],
        finished_at=r["finished_at"], review=review, uploaded_by=r["uploaded_by"],
        uploaded_by_name_hi=r.get("uploaded_by_name_hi"),
        uploaded_by_name_latin=r.get("uploaded_by_name_latin"),
    )  # fmt: skip


async def _checked(request: Request) -> CheckedCsv:
    """The body spooled (memory, then disk) and read in full; a 422 naming the bad line."""
    raw = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed on
    async for chunk in request.stream():
        raw.write(chunk)
    try:
        return await asyncio.to_thread(read_checked, raw)  # type: ignore[arg-type]
    except CsvReadError as exc:
        code = "roster.import_not_utf8" if exc.reason == "encoding" else "roster.import_not_csv"
        raise ProblemError(
            422, code, detail_params={"line": exc.line}, extensions={"line": exc.line}
        ) from exc


def _header_of(text: IO[str]) -> list[str]:
    header = next(csv.reader([text.readline()]), [])
    text.seek(0)
    return header


def _check_header(units: bool, kind: ImportKind, header: list[str]) -> None:
    try:
        if units:
            names = [h.strip().lower() for h in header]
            missing = [c for c in UNIT_IMPORT_COLUMNS if c not in names]
            if missing:
                raise HeaderError(missing)
        else:
            check_header(kind, header)
    except HeaderError as exc:
        raise ProblemError(
            422, "roster.import_bad_header", detail_params={"missing": ", ".join(exc.missing)}
        ) from exc


@router.post(
    "/imports", status_code=202, openapi_extra=_CSV_BODY,
    summary="Upload a CSV; it is applied (a full sync: reviewed) in the background, read the "
    "report at Location",
)  # fmt: skip
async def upload(
    request: Request,
    response: Response,
    principal: Importer,
    kind: Annotated[ImportKind | None, Query(description="police or volunteers")] = None,
    units: Annotated[bool, Query(description="the file is a units list (HQ only)")] = False,
    full_sync: Annotated[
        bool,
        Query(
            description="deactivate members of this kind in your area absent here: reviewed "
            "first, applied once confirmed (POST /imports/{id}/confirmation)"
        ),
    ] = False,
    filename: Annotated[str | None, Query(max_length=200)] = None,
    claim: Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)] = None,
) -> ImportOut:
    scope = scope_units(principal, Action.ROSTER_IMPORT)
    area = None if scope.everywhere else sorted(scope.unit_ids)
    if units and area is not None:
        raise ProblemError(403, "roster.import_units_state_only")
    kind = kind or ImportKind.POLICE
    source = await _checked(request)
    try:
        _check_header(units, kind, _header_of(source.text))
    except ProblemError:
        source.close()
        raise
    mode = Mode.REVIEW if full_sync and not units else Mode.APPLY
    roster = roster_of(request)
    import_id = f"imp-{claim.derived_id('import').hex[:20]}" if claim else new_import_id()
    async with roster.pool.acquire() as conn:
        if await import_store.get(conn, import_id) is None:
            async with conn.transaction():
                await import_store.expire_reviews(conn, datetime.now(UTC))
                await import_store.create(
                    conn, import_id, kind="units" if units else kind.value,
                    full_sync=mode is Mode.REVIEW, filename=filename,
                    uploaded_by=principal.member_id, scope=area,
                )  # fmt: skip
                if mode is Mode.REVIEW:
                    # Kept for the confirmed sync; the review itself runs on the upload.
                    content = await asyncio.to_thread(source.content)
                    await import_store.keep_file(conn, import_id, content)
            start(request, roster, import_id, source, units=units, kind=kind, area=area,
                  mode=mode, by=principal.member_id, filename=filename)  # fmt: skip
        else:
            source.close()
        row = await import_store.get(conn, import_id)
    response.headers["Location"] = f"/api/v1/imports/{import_id}"
    return out(row)


def start(
    request: Request, roster: Roster, import_id: str, source: CheckedCsv, *, units: bool,
    kind: ImportKind, area: list[str] | None, mode: Mode, by: str, filename: str | None,
) -> None:  # fmt: skip
    """Apply (or review) the file in the background; the report tells how it went."""
    task = asyncio.create_task(
        _run(roster, import_id, source, units, kind, area, mode, by, filename)
    )
    tasks: set[asyncio.Task[None]] = request.app.state.import_tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _run(
    roster: Roster, import_id: str, source: CheckedCsv, units: bool, kind: ImportKind,
    area: list[str] | None, mode: Mode, by: str, filename: str | None,
) -> None:  # fmt: skip
    try:
        with source:
            if units:
                await import_units(roster, source, by, filename, import_id=import_id)
            else:
                await import_members(
                    roster,
                    kind, source, by=by, scope=area, mode=mode, filename=filename,
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


async def readable(request: Request, principal: Principal, row: Any) -> bool:
    if row["uploaded_by"] == principal.member_id:
        return True
    area = row["scope_units"]
    if area is None:
        return scope_units(principal, Action.ROSTER_IMPORT).everywhere
    for unit in area:
        if not await may(request, principal, Action.ROSTER_IMPORT, unit_id=unit):
            return False
    return True


async def readable_import(request: Request, principal: Principal, import_id: str) -> Any:
    """The import's row with its uploader's name, if the caller may read it (else 404 / 403)."""
    row = await import_store.get_named(pool_of(request), import_id)
    if row is None:
        raise not_found("roster.import_not_found")
    if not await readable(request, principal, row):
        raise forbidden(Action.ROSTER_IMPORT)
    return row


def _problem(p: dict[str, Any]) -> RowProblem:
    hi, en = REASONS.get(p["code"], (p["code"], p["code"]))
    return RowProblem(code=p["code"], column=p.get("column"), hi=hi, en=en)


@router.get("/imports/{import_id}", summary="Status, counts and the rejected rows (paged)")
async def report(
    import_id: str,
    request: Request,
    principal: Importer,
    page: Annotated[PageParams, Depends(page_params)],
) -> ImportReport:
    row = await readable_import(request, principal, import_id)
    pool = pool_of(request)
    rows = await import_store.rejections_page(
        pool, import_id, after=after_cursor(page.cursor, int), limit=page.limit + 1
    )
    confirmers = await import_store.names(pool, row["confirmed_by"])
    rejected = page_of(
        rows,
        page.limit,
        "row_no",
        lambda r: RejectedRow(
            row=r["row_no"], key=r["natural_key"], problems=[_problem(p) for p in r["reasons"]]
        ),
    )
    kept = row["header"] is not None and await import_store.rejected_cells_kept(pool, import_id)
    return ImportReport(
        **out(row, confirmers).model_dump(), rejected_rows_kept=kept, rejected=rejected.items,
        next_cursor=rejected.next_cursor,
    )  # fmt: skip


@router.get(
    "/imports",
    summary="Imports for your units, newest first: your own and those over units under yours "
    "(all of them for headquarters)",
)
async def list_imports(
    request: Request, principal: Importer, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ImportOut]:
    scope = scope_units(principal, Action.ROSTER_IMPORT)
    rows = await import_store.page(
        pool_of(request), uploaded_by=None if scope.everywhere else principal.member_id,
        under=sorted(scope.unit_ids), after=after_cursor(page.cursor), limit=page.limit + 1,
    )  # fmt: skip
    return page_of(rows, page.limit, "import_id", out)
