"""An import's rejected rows handed back as the CSV the clerk uploaded: the file's own columns and
cells, and a reason column (in the asked language) that the importer ignores, so that the clerk
fixes the rows in a spreadsheet and uploads the file again. Read as the import's report is (the
uploader, or an officer over the import's whole area). The cells are kept for
`import_rejected_rows_kept` after the import (they can hold phone numbers); after that, and for
a units list, it is a 404 and the report's reasons are all there is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from nazar_platform.http import csv_files
from nazar_platform.http.problems import ProblemError

from roster.api.common import pool_of
from roster.api.imports import Importer, readable_import
from roster.domain.imports import rejected_table
from roster.store import imports as import_store

router = APIRouter(tags=["imports"])


@router.get(
    "/imports/{import_id}/rejected.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="The rejected rows as uploaded, with a reason column, to fix and upload again",
)
async def rejected_csv(
    import_id: str,
    request: Request,
    principal: Importer,
    lang: Annotated[Literal["hi", "en"], Query(description="the reason column's language")] = "hi",
) -> StreamingResponse:
    """UTF-8 with a byte-order mark (spreadsheets show Hindi), CRLF, formula cells neutralised
    with a `'` that the importer takes off again."""
    row = await readable_import(request, principal, import_id)
    rows = await import_store.rejected_cells(pool_of(request), import_id)
    if row["header"] is None or not rows:
        raise ProblemError(404, "roster.import_rows_not_kept")
    table = iter(rejected_table(row["header"], ((r["cells"], r["reasons"]) for r in rows), lang))

    async def body() -> AsyncIterator[str]:
        yield csv_files.header(next(table))
        yield csv_files.lines(table)

    return csv_files.response(body(), f"{import_id}-rejected.csv")
