"""The tree (issue 20, item 2): where a caller's tree starts, a unit's counts over its subtree,
the members posted at a unit and its groups. Counts and members are personal data: the caller
needs roster.read at the unit, as for every other unit read of members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.pagination import Page, PageParams, page_params
from pydantic import BaseModel

from roster.api.common import after_cursor, not_found, page_of, pool_of, unit_scope
from roster.api.schemas import Group, Unit
from roster.domain.counts import CountRow, fold
from roster.store import tree as tree_store
from roster.store import units as unit_store

router = APIRouter(tags=["tree"])
Reader = Annotated[Principal, Depends(require(Action.ROSTER_READ))]


class UnitCounts(BaseModel):
    unit_id: str
    total: int
    police: dict[str, int]
    volunteers: dict[str, dict[str, int]]
    unreachable: int


class UnitMember(BaseModel):
    member_id: str
    name_hi: str | None
    name_latin: str | None
    role: Role
    primary: bool
    active: bool
    consent_state: str
    reachable: bool


class GroupChange(BaseModel):
    change_id: int
    member_id: str
    change: str
    role: Role | None
    unit_id: str | None
    unit_name_hi: str | None
    unit_name_en: str | None
    admin: bool | None
    at: datetime
    name_hi: str | None
    name_latin: str | None


def group_of(r: Any) -> Group:
    return Group(
        group_id=r["group_id"], kind=r["kind"], unit_id=r["unit_id"], name_hi=r["name_hi"],
        name_en=r["name_en"], version=r["version"], member_count=r.get("member_count"),
    )  # fmt: skip


async def _readable_unit(request: Request, principal: Principal, unit_id: str) -> None:
    if await unit_store.get(pool_of(request), unit_id) is None:
        raise not_found("roster.unit_not_found", unit_id=unit_id)
    await authorize(request, principal, Action.ROSTER_READ, unit_id=unit_id)


@router.get("/tree", summary="The tops of the caller's tree (the state, or the units they read)")
async def roots(request: Request, principal: Reader) -> list[Unit]:
    units, _ = unit_scope(principal, Action.ROSTER_READ)
    return [Unit.from_row(r) for r in await tree_store.roots(pool_of(request), units)]


@router.get("/units/{unit_id}/counts", summary="Active members in the unit's subtree, counted")
async def counts(unit_id: str, request: Request, principal: Reader) -> UnitCounts:
    await _readable_unit(request, principal, unit_id)
    rows = await tree_store.counts(pool_of(request), unit_id)
    c = fold(CountRow(r["role"], r["consent"], r["unreachable"], r["n"]) for r in rows)
    return UnitCounts(
        unit_id=unit_id, total=c.total, police=c.police, volunteers=c.volunteers,
        unreachable=c.unreachable,
    )  # fmt: skip


@router.get("/units/{unit_id}/members", summary="The members posted at the unit itself")
async def members(
    unit_id: str,
    request: Request,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[UnitMember]:
    await _readable_unit(request, principal, unit_id)
    rows = await tree_store.members(
        pool_of(request), unit_id, after=after_cursor(page.cursor), limit=page.limit + 1
    )
    return page_of(
        rows,
        page.limit,
        "member_id",
        lambda r: UnitMember(
            member_id=r["member_id"],
            name_hi=r["name_hi"],
            name_latin=r["name_latin"],
            role=r["role"],
            primary=r["is_primary"],
            active=r["active"],
            consent_state=r["consent"],
            reachable=r["reachable"],
        ),
    )


@router.get("/units/{unit_id}/groups", summary="The unit's groups (a district: its circles')")
async def groups(unit_id: str, request: Request, principal: Reader) -> list[Group]:
    await _readable_unit(request, principal, unit_id)
    return [group_of(r) for r in await tree_store.groups(pool_of(request), unit_id)]
