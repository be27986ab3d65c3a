"""Local and test stacks only: sign in to the console as any member the service knows.

`POST /api/v1/dev/tokens` is the platform's dev sign-in (`nazar_platform.http.dev_signin`) with the
grants of the member's postings in this service's read model of `roster.members.v1`;
`GET /api/v1/dev/members` lists those members to pick from (filtered by unit subtree, roles,
name or ids, most senior first, cursor-paginated), with whether the fan-out would message them.
Both answer 404 in any other environment. The list needs no token, like the sign-in itself:
whoever can reach it may already mint a token for anyone, so a token check would protect
nothing; outside local and test it does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import AuthSettings, Grant
from nazar_platform.http.dev_signin import SENIORITY, dev_signin_enabled, dev_signin_router
from nazar_platform.http.edge import DEV_SIGN_IN, route_class
from nazar_platform.http.pagination import Page, PageParams, Row, page_params
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel

from directive.api.common import pool_of
from directive.api.schemas import Bilingual
from directive.store import roster


async def grants_of(request: Request, member_id: str) -> Sequence[Grant] | None:
    """The member's postings as grants; none for an unknown or inactive member."""
    postings = await roster.active_postings(pool_of(request), member_id)
    if postings is None:
        return None
    known = set(Role.__members__.values())
    return [Grant(Role(role), unit) for role, unit in postings if role in known]


class DevPosting(BaseModel):
    role: str
    unit_id: str
    unit_name: Bilingual


class DevMember(BaseModel):
    member_id: str
    name: Bilingual  # `en` is the name in Latin script
    language: str | None
    reachable: bool  # active and, for a volunteer, consenting: what the fan-out will message
    postings: list[DevPosting]


def _member(r: Row) -> DevMember:
    return DevMember(
        member_id=r["id"],
        name=Bilingual(hi=r["name_hi"], en=r["name_latin"]),
        language=r["language"],
        reachable=r["reachable"],
        postings=[
            DevPosting(role=role, unit_id=unit, unit_name=Bilingual(hi=hi, en=en))
            for role, unit, hi, en in zip(
                r["roles"], r["unit_ids"], r["unit_hi"], r["unit_en"], strict=True
            )
        ],
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
    member_id: Annotated[list[str] | None, Query(max_length=100, description="these")] = None,
) -> Page[DevMember]:
    """Active members from the roster read model, most senior first, to sign in as."""
    if not dev_signin_enabled(AuthSettings()):
        raise ProblemError(404, "dev_sign_in_off")
    found = await roster.dev_members(
        pool_of(request),
        SENIORITY,
        unit=unit,
        roles=role,
        name=q.replace("%", "").replace("_", "") if q else None,
        ids=member_id,
        cursor=page.cursor,
        limit=page.limit,
    )
    return Page[DevMember](items=[_member(r) for r in found.items], next_cursor=found.next_cursor)
