"""Local and test stacks only: sign in to the moderation console as any member the service knows.

The platform's dev sign-in (`POST /api/v1/dev/tokens`, `nazar_platform.http.dev_signin`) with the
grants of the member's postings in this service's read model of `roster.members.v1`, and
`GET /api/v1/dev/members` to pick them from (the shape the shared sign-in page reads, as the
directive's). Both answer 404 in any other environment; the list needs no token, like the
sign-in itself (whoever reaches it may mint a token for anyone already).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import AuthSettings, Grant
from nazar_platform.http.dev_signin import SENIORITY, dev_signin_enabled, dev_signin_router
from nazar_platform.http.edge import DEV_SIGN_IN, route_class
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError
from nazar_platform.runtime.context import runtime_of
from pydantic import BaseModel

from story_intake.store import members as store
from story_intake.store import units as unit_store
from story_intake.store.members import MemberRow
from story_intake.store.units import UnitRow


def _pool(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


async def grants_of(request: Request, member_id: str) -> Sequence[Grant] | None:
    """The member's postings as grants; none for an unknown or inactive member."""
    async with _pool(request).acquire() as conn:
        member = await store.get(conn, member_id)
    if member is None or not member.active:
        return None
    known = set(Role.__members__.values())
    return [Grant(Role(role), unit) for role, unit in member.postings if role in known]


class Name(BaseModel):
    hi: str | None
    en: str | None  # in Latin script


class DevPosting(BaseModel):
    role: str
    unit_id: str
    unit_kind: str | None = None
    unit_name: Name | None = None  # None for a unit the read model holds no name of yet


class DevMember(BaseModel):
    member_id: str
    name: Name
    postings: list[DevPosting]


def _member(m: MemberRow, named: dict[str, UnitRow]) -> DevMember:
    def posting(role: str, unit_id: str) -> DevPosting:
        unit = named.get(unit_id)
        if unit is None:
            return DevPosting(role=role, unit_id=unit_id)
        name = Name(hi=unit.name_hi, en=unit.name_en) if unit.name_hi or unit.name_en else None
        return DevPosting(role=role, unit_id=unit_id, unit_kind=unit.kind, unit_name=name)

    return DevMember(
        member_id=m.id,
        name=Name(hi=m.name_hi, en=m.name_latin),
        postings=[posting(role, unit) for role, unit in m.postings],
    )


router = APIRouter(tags=["dev"])
router.include_router(dev_signin_router(grants_of))


@router.get(
    "/dev/members",
    response_model=Page[DevMember],
    summary="Local and test stacks only",
    openapi_extra=route_class(DEV_SIGN_IN),
)
async def members(
    request: Request,
    page: Annotated[PageParams, Depends(page_params)],
    unit: Annotated[str | None, Query(max_length=100, description="in this subtree")] = None,
    role: Annotated[list[str] | None, Query(description="holding one of these roles")] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
) -> Page[DevMember]:
    """Active members from the roster read model, most senior first, to sign in as."""
    if not dev_signin_enabled(AuthSettings()):
        raise ProblemError(404, "dev_sign_in_off")
    found = await store.to_sign_in(
        _pool(request),
        SENIORITY,
        roles=role,
        unit=unit,
        name=q.replace("%", "").replace("_", "") if q else None,
        cursor=page.cursor,
        limit=page.limit,
    )
    async with _pool(request).acquire() as conn:
        rows = await unit_store.named(conn, [u for m in found.items for _, u in m.postings])
    named = {u.id: u for u in rows}
    return Page[DevMember](
        items=[_member(m, named) for m in found.items], next_cursor=found.next_cursor
    )
