"""/groups: the derived groups and their members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.pagination import Page, PageParams, decode_cursor, page_params

from roster.api.common import after_cursor, forbidden, may, not_found, page_of, pool_of, unit_scope
from roster.api.schemas import Group, GroupMember
from roster.api.tree import GroupChange
from roster.store import groups as group_store
from roster.store.members import OFFICER_ROLES

router = APIRouter(tags=["groups"])
Reader = Annotated[Principal, Depends(require(Action.ROSTER_READ))]


def _group(r: Any) -> Group:
    return Group(
        group_id=r["group_id"], kind=r["kind"], unit_id=r["unit_id"], name_hi=r["name_hi"],
        name_en=r["name_en"], version=r["version"], member_count=r.get("member_count"),
    )  # fmt: skip


@router.get("/groups", summary="Groups in the caller's area and groups the caller belongs to")
async def list_groups(
    request: Request, principal: Reader, page: Annotated[PageParams, Depends(page_params)]
) -> Page[Group]:
    units, _ = unit_scope(principal, Action.ROSTER_READ)
    rows = await group_store.page(
        pool_of(request), after=after_cursor(page.cursor), limit=page.limit + 1,
        unit_scope=["PHQ"] if units is None else units, member_groups_of=principal.member_id,
        everywhere=units is None,
    )  # fmt: skip
    return page_of(rows, page.limit, "group_id", _group)


async def _access(request: Request, principal: Principal, group_id: str) -> tuple[Any, bool]:
    """(group, whole list visible). Outside the caller's area, a member of the group still sees
    its officers (and themself), never the other members."""
    pool = pool_of(request)
    group = await group_store.get(pool, group_id)
    if group is None:
        raise not_found("roster.group_not_found")
    if await may(request, principal, Action.ROSTER_READ, unit_id=group["unit_id"]):
        return group, True
    if await group_store.is_member(pool, group_id, principal.member_id):
        return group, False
    raise forbidden(Action.ROSTER_READ)


@router.get("/groups/{group_id}")
async def get_group(group_id: str, request: Request, principal: Reader) -> Group:
    group, _ = await _access(request, principal, group_id)
    return _group(group)


@router.get("/groups/{group_id}/members")
async def group_members(
    group_id: str,
    request: Request,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
    admin: Annotated[bool | None, Query(description="only the admins, or only the others")] = None,
) -> Page[GroupMember]:
    _, everyone = await _access(request, principal, group_id)
    rows = await group_store.members_page(
        pool_of(request), group_id, after=after_cursor(page.cursor), limit=page.limit + 1,
        only_roles=None if everyone else OFFICER_ROLES,
        also_member=None if everyone else principal.member_id, admin=admin,
    )  # fmt: skip
    return page_of(
        rows,
        page.limit,
        "member_id",
        lambda r: GroupMember(
            member_id=r["member_id"],
            role=r["role"],
            unit_id=r["unit_id"],
            admin=r["is_admin"],
            name_hi=r["name_hi"],
            name_latin=r["name_latin"],
            unit_name_hi=r["unit_name_hi"],
            unit_name_en=r["unit_name_en"],
        ),
    )


@router.get("/groups/{group_id}/changes", summary="Who joined or left the group, newest first")
async def group_changes(
    group_id: str,
    request: Request,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[GroupChange]:
    # The history names every member who came and went: only for those who see the whole list.
    _, everyone = await _access(request, principal, group_id)
    if not everyone:
        raise forbidden(Action.ROSTER_READ)
    # change_id is a bigint: not after_cursor, which reads integer keys as 32-bit.
    after = None if page.cursor is None else decode_cursor(page.cursor, (int,))[0]
    rows = await group_store.changes_page(
        pool_of(request),
        group_id,
        after=after if isinstance(after, int) else None,
        limit=page.limit + 1,
    )
    return page_of(
        rows,
        page.limit,
        "change_id",
        lambda r: GroupChange(
            change_id=r["change_id"],
            member_id=r["member_id"],
            change=r["change"],
            role=r["role"],
            unit_id=r["unit_id"],
            unit_name_hi=r["unit_name_hi"],
            unit_name_en=r["unit_name_en"],
            admin=r["is_admin"],
            at=r["at"],
            name_hi=r["name_hi"],
            name_latin=r["name_latin"],
        ),
    )
