"""/erasures: a member's erasure (DPDP) asked for by the office and decided by an officer who may
erase and did not ask (issue 20 item 6). Asking needs `roster.write` over the member (the SHO,
CO or SP office keeping the roster); deciding needs `roster.erase` over them (the SP of the
district, the range IG, PHQ), never on one's own request (said so before the caller's role is
looked at: an SHO who tries learns why). Each POST is on the audit trail with its access
decision; the request keeps who asked and who decided. An approval erases the member at once;
the read models' confirmations show on the request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from nazar_contracts.erasures import ReadModel
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.pagination import (
    Page,
    PageParams,
    decode_cursor,
    encode_cursor,
    page_params,
)  # fmt: skip
from nazar_platform.http.problems import ProblemError

from roster.api.common import IDEMPOTENT, not_found, pool_of, roster_of
from roster.api.erasure_schemas import (
    Confirmation,
    ErasureDecisionIn,
    ErasureRequest,
    ErasureRequestIn,
)  # fmt: skip
from roster.handlers import erasures as erasure_handlers
from roster.handlers.context import ConflictError, NotFoundError
from roster.store import erasures as erasure_store

router = APIRouter(tags=["erasures"])
Office = Annotated[Principal, Depends(require(Action.ROSTER_WRITE))]


def _item(row: Any, confirmed: dict[str, datetime]) -> ErasureRequest:
    erased = row["erased_at"] is not None
    confirmations = [
        Confirmation(read_model=m, confirmed_at=confirmed.get(m.value) if erased else None)
        for m in ReadModel
    ]
    return ErasureRequest(
        request_id=row["request_id"], member_id=row["member_id"],
        member_name_hi=row["name_hi"], member_name_latin=row["name_latin"],
        reason=row["reason"], status=row["status"], requested_by=row["requested_by"],
        requested_by_name=row["requested_by_name"], requested_at=row["requested_at"],
        decided_by=row["decided_by"],
        decided_by_name=row["decided_by_name"] if row["decided_by"] else None,
        decided_at=row["decided_at"], decision_note=row["decision_note"],
        erased_at=row["erased_at"], confirmations=confirmations,
        complete=erased and all(c.confirmed_at is not None for c in confirmations),
    )  # fmt: skip


def _visible(principal: Principal, row: Any) -> bool:
    scope = scope_units(principal, Action.ROSTER_WRITE)
    return scope.everywhere or bool(scope.unit_ids.intersection(row["units"]))


async def _visible_row(request: Request, principal: Principal, request_id: str) -> Any:
    row = await erasure_store.get(pool_of(request), request_id)
    # Another district's request is not theirs to know of.
    if row is None or not _visible(principal, row):
        raise not_found("roster.erasure_not_found", request_id=request_id)
    return row


async def _one(request: Request, request_id: str) -> ErasureRequest:
    pool = pool_of(request)
    row = await erasure_store.get(pool, request_id)
    assert row is not None
    confirmed = await erasure_store.confirmations(pool, [row["member_id"]])
    return _item(row, confirmed.get(row["member_id"], {}))


@router.post("/erasures", status_code=201, dependencies=[Depends(IDEMPOTENT)])
async def request_erasure(
    body: ErasureRequestIn, request: Request, principal: Office
) -> ErasureRequest:
    await authorize(request, principal, Action.ROSTER_WRITE, member_id=body.member_id)
    try:
        request_id = await erasure_handlers.request(
            roster_of(request), body.member_id, body.reason, principal.member_id
        )
    except NotFoundError as exc:
        raise not_found("roster.member_not_found", member_id=body.member_id) from exc
    except ConflictError as exc:
        raise ProblemError(409, exc.code) from exc
    return await _one(request, request_id)


@router.get("/erasures", summary="Erasure requests over the caller's units, newest first")
async def list_erasures(
    request: Request,
    principal: Office,
    page: Annotated[PageParams, Depends(page_params)],
    member: Annotated[str | None, Query(max_length=100, description="one member's")] = None,
) -> Page[ErasureRequest]:
    scope = scope_units(principal, Action.ROSTER_WRITE)
    after = None
    if page.cursor is not None:
        at, rid = decode_cursor(page.cursor, (datetime, str))
        assert isinstance(at, datetime) and isinstance(rid, str)
        after = (at, rid)
    pool = pool_of(request)
    rows = await erasure_store.listed(
        pool, scope=None if scope.everywhere else sorted(scope.unit_ids), member_id=member,
        after=after, limit=page.limit + 1,
    )  # fmt: skip
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    confirmed = await erasure_store.confirmations(pool, [r["member_id"] for r in rows])
    return Page[ErasureRequest](
        items=[_item(r, confirmed.get(r["member_id"], {})) for r in rows],
        next_cursor=encode_cursor([rows[-1]["requested_at"], rows[-1]["request_id"]])
        if more and rows
        else None,
    )


@router.get("/erasures/{request_id}")
async def get_erasure(request_id: str, request: Request, principal: Office) -> ErasureRequest:
    await _visible_row(request, principal, request_id)
    return await _one(request, request_id)


async def _decide(
    request: Request, principal: Principal, request_id: str, decision: erasure_handlers.Decision,
    body: ErasureDecisionIn | None,
) -> ErasureRequest:  # fmt: skip
    row = await _visible_row(request, principal, request_id)
    if row["requested_by"] == principal.member_id:
        raise ProblemError(403, "roster.erasure_own_request")
    if row["status"] != "requested":
        raise ProblemError(409, "roster.erasure_decided", detail_params={"status": row["status"]})
    await authorize(request, principal, Action.ROSTER_ERASE, member_id=row["member_id"])
    try:
        await erasure_handlers.decide(
            roster_of(request), request_id, decision, principal.member_id,
            body.note if body and body.note else None,
        )  # fmt: skip
    except NotFoundError as exc:
        raise not_found("roster.erasure_not_found", request_id=request_id) from exc
    except erasure_handlers.OwnRequestError as exc:
        raise ProblemError(403, "roster.erasure_own_request") from exc
    except ConflictError as exc:
        raise ProblemError(409, exc.code, detail_params={"status": str(exc)}) from exc
    return await _one(request, request_id)


@router.post("/erasures/{request_id}/approval", dependencies=[Depends(IDEMPOTENT)])
async def approve(
    request_id: str, request: Request, principal: Office, body: ErasureDecisionIn | None = None
) -> ErasureRequest:
    """Approve and erase the member at once (their name, numbers, postings; tombstones out)."""
    return await _decide(request, principal, request_id, erasure_handlers.Decision.APPROVED, body)


@router.post("/erasures/{request_id}/rejection", dependencies=[Depends(IDEMPOTENT)])
async def reject(
    request_id: str, request: Request, principal: Office, body: ErasureDecisionIn | None = None
) -> ErasureRequest:
    return await _decide(request, principal, request_id, erasure_handlers.Decision.REJECTED, body)
