"""A full sync's review: who it would deactivate, and the confirmations that let it apply.

The uploader confirms the review by the import's id; when the sync would deactivate more than the
configured share of the area's active members of the list's kind, a second officer — another
member allowed to import over the whole area — confirms it too (`roster.domain.sync`). Each
confirmation is a POST, so the audit trail records who confirmed what (action `roster.import`,
target the area's unit); the last one needed starts applying the file kept since the upload.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from nazar_platform import db
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.csv_files import read_checked
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
from roster.api.imports import Importer, out, readable_import, start
from roster.api.schemas import Deactivation, ImportOut
from roster.domain.imports import Mode
from roster.domain.rows import ImportKind
from roster.domain.sync import confirmed
from roster.store import imports as import_store
from roster.store import units as unit_store

router = APIRouter(tags=["imports"])


async def _may_import_over(request: Request, principal: Principal, row: Any) -> bool:
    """Allowed to import over the import's whole area (recorded for the audit trail)."""
    area = row["scope_units"]
    if area is None:  # the whole state: judged at the root of the tree
        root = await unit_store.root(pool_of(request))
        area = [root] if root else []
    for unit in area:
        if not await may(request, principal, Action.ROSTER_IMPORT, unit_id=unit):
            return False
    return bool(area)


@router.post(
    "/imports/{import_id}/confirmation",
    dependencies=[Depends(IDEMPOTENT)],
    summary="Confirm a full sync's review (the uploader; a second officer when it deactivates "
    "many); the last confirmation needed applies it",
)
async def confirm(
    import_id: str, request: Request, response: Response, principal: Importer
) -> ImportOut:
    roster = roster_of(request)
    row = await import_store.get(roster.pool, import_id)
    if row is None:
        raise not_found("roster.import_not_found")
    if not await _may_import_over(request, principal, row):
        raise forbidden(Action.ROSTER_IMPORT)
    async with db.transaction(roster.pool) as conn:
        await import_store.expire_reviews(conn, datetime.now(UTC))
    body: bytes | None = None
    async with db.transaction(roster.pool) as conn:
        row = await import_store.lock(conn, import_id)
        assert row is not None
        if row["status"] == "expired":
            raise ProblemError(409, "roster.import_review_expired")
        if row["status"] != "awaiting_confirmation":
            raise ProblemError(
                409, "roster.import_not_awaiting_confirmation",
                detail_params={"status": row["status"]}, extensions={"status": row["status"]},
            )  # fmt: skip
        confirmers = await import_store.confirm(conn, import_id, principal.member_id)
        if confirmed(row["uploaded_by"], confirmers, row["confirmations_needed"]):
            body = await import_store.take_file(conn, import_id)
            await import_store.start_applying(conn, import_id)
    if body is not None:
        source = await asyncio.to_thread(read_checked, io.BytesIO(body))
        start(
            request, roster, import_id, source, units=False, kind=ImportKind(row["kind"]),
            area=row["scope_units"], mode=Mode.SYNC, by=row["uploaded_by"],
            filename=row["filename"],
        )  # fmt: skip
    response.headers["Location"] = f"/api/v1/imports/{import_id}"
    return out(await import_store.get(roster.pool, import_id))


@router.get(
    "/imports/{import_id}/deactivations",
    summary="Who a full sync would deactivate (or did): the review's list, paged",
)
async def deactivations(
    import_id: str,
    request: Request,
    principal: Importer,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[Deactivation]:
    await readable_import(request, principal, import_id)
    rows = await import_store.deactivations_page(
        pool_of(request), import_id, after=after_cursor(page.cursor), limit=page.limit + 1
    )
    return page_of(rows, page.limit, "member_id", _deactivation)


def _deactivation(r: Any) -> Deactivation:
    return Deactivation(
        member_id=r["member_id"], key=r["natural_key"], name_hi=r["name_hi"],
        name_latin=r["name_latin"], role=r["role"], unit_id=r["unit_id"], active=r["active"],
    )  # fmt: skip
