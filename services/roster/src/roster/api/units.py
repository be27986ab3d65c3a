"""/units: browse the command tree, add, rename, move and close units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from nazar_contracts.vocabulary import UnitKind
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError

from roster.api.common import IDEMPOTENT, after_cursor, not_found, page_of, pool_of, roster_of
from roster.api.schemas import Unit, UnitChange, UnitIn, UnitVersion
from roster.domain.tree import TreeError
from roster.handlers import units as unit_handlers
from roster.handlers.context import ConflictError, NotFoundError
from roster.store import units as unit_store

router = APIRouter(tags=["units"])
Reader = Annotated[Principal, Depends(require(Action.ROSTER_READ))]
Writer = Annotated[Principal, Depends(require(Action.ROSTER_WRITE))]


@router.get("/units", summary="Children of a unit (the state unit when no parent is given)")
async def children(
    request: Request, _: Reader, parent: Annotated[str | None, Query()] = None
) -> list[Unit]:
    # The tree itself (codes and names of units) is not personal data: every reader may browse.
    rows = await unit_store.children(pool_of(request), parent)
    return [Unit.from_row(r) for r in rows]


@router.get("/units/{unit_id}")
async def get_unit(unit_id: str, request: Request, _: Reader) -> Unit:
    row = await unit_store.get(pool_of(request), unit_id)
    if row is None:
        raise not_found("roster.unit_not_found", unit_id=unit_id)
    return Unit.from_row(row)


@router.get("/units/{unit_id}/history", summary="Every version: renames, moves, closure")
async def unit_history(unit_id: str, request: Request, _: Reader) -> list[UnitVersion]:
    rows = await unit_store.history(pool_of(request), unit_id)
    if not rows:
        raise not_found("roster.unit_not_found", unit_id=unit_id)
    return [
        UnitVersion(version=r["version"], recorded_at=r["recorded_at"], unit=r["doc"]) for r in rows
    ]


@router.get("/units/{unit_id}/subtree", summary="Every unit below (and including) a unit")
async def subtree(
    unit_id: str,
    request: Request,
    _: Reader,
    page: Annotated[PageParams, Depends(page_params)],
    kind: Annotated[list[UnitKind] | None, Query()] = None,
) -> Page[Unit]:
    pool = pool_of(request)
    if await unit_store.get(pool, unit_id) is None:
        raise not_found("roster.unit_not_found", unit_id=unit_id)
    rows = await unit_store.subtree(
        pool, unit_id, after=after_cursor(page.cursor), limit=page.limit + 1,
        kinds=[k.value for k in kind] if kind else None,
    )  # fmt: skip
    return page_of(rows, page.limit, "unit_id", Unit.from_row)


def _tree_problem(exc: TreeError) -> ProblemError:
    return ProblemError(422, "roster.unit_tree", detail_params={"reason": str(exc)})


@router.post("/units", status_code=201, dependencies=[Depends(IDEMPOTENT)])
async def create_unit(body: UnitIn, request: Request, principal: Writer) -> Unit:
    await authorize(request, principal, Action.ROSTER_WRITE, unit_id=body.parent_id or body.unit_id)
    try:
        await unit_handlers.create_unit(
            roster_of(request), body.unit_id, body.kind, body.name_hi, body.name_en, body.parent_id
        )
    except NotFoundError as exc:
        raise not_found("roster.unit_not_found", unit_id=str(exc)) from exc
    except TreeError as exc:
        raise _tree_problem(exc) from exc
    except ConflictError as exc:
        raise ProblemError(409, "roster.unit_exists") from exc
    return await get_unit(body.unit_id, request, principal)


@router.patch("/units/{unit_id}", summary="Rename a unit, or move it under another unit")
async def change_unit(unit_id: str, body: UnitChange, request: Request, principal: Writer) -> Unit:
    await authorize(request, principal, Action.ROSTER_WRITE, unit_id=unit_id)
    if body.parent_id is not None:
        # Moving needs authority over both places: an SP cannot give a circle to another SP.
        await authorize(request, principal, Action.ROSTER_WRITE, unit_id=body.parent_id)
    try:
        await unit_handlers.change_unit(
            roster_of(request),
            unit_id,
            name_hi=body.name_hi,
            name_en=body.name_en,
            parent_id=body.parent_id,
        )
    except NotFoundError as exc:
        raise not_found("roster.unit_not_found", unit_id=str(exc)) from exc
    except TreeError as exc:
        raise _tree_problem(exc) from exc
    return await get_unit(unit_id, request, principal)


@router.post("/units/{unit_id}/closure", dependencies=[Depends(IDEMPOTENT)])
async def close_unit(unit_id: str, request: Request, principal: Writer) -> Unit:
    await authorize(request, principal, Action.ROSTER_WRITE, unit_id=unit_id)
    try:
        await unit_handlers.close_unit(roster_of(request), unit_id)
    except NotFoundError as exc:
        raise not_found("roster.unit_not_found", unit_id=unit_id) from exc
    except ConflictError as exc:
        raise ProblemError(409, "roster.unit_has_children") from exc
    return await get_unit(unit_id, request, principal)
