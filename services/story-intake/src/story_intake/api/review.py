"""What a reviewer opens besides the queue: one story with every step and note and its photos
(signed URLs), and the names of
the members and units a page shows (who claimed a story, who took each step, the story's unit)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from story_intake.api.schemas import StoryOut
from story_intake.api.stories import (
    LIST_LIMIT,
    Reviewer,
    _actors,
    _out,
    _photos,
    _pool,
    _refusals,
)
from story_intake.handlers import reads

router = APIRouter(tags=["stories"])


class MemberName(BaseModel):
    member_id: str
    hi: str | None
    en: str | None  # in Latin script


class MemberNamesOut(BaseModel):
    items: list[MemberName]


class UnitName(BaseModel):
    unit_id: str
    kind: str
    hi: str | None  # None until the roster's next record of the unit (041_unit_names.sql)
    en: str | None


class UnitNamesOut(BaseModel):
    items: list[UnitName]


@router.get("/stories/{story_id}", summary="A story with every step, for a reviewer of its step")
async def one_story(story_id: uuid.UUID, request: Request, principal: Reviewer) -> StoryOut:
    with _refusals():
        found = await reads.one(_pool(request), story_id, _actors(principal))
    photos = await _photos(request, [story_id])
    return _out(
        found.story, found.steps, photos[story_id], approval=found.approval, posts=found.posts
    )


@router.get("/members/names", summary="Names of members (roster read model)")
async def member_names(
    request: Request,
    _: Reviewer,
    member_id: Annotated[list[str], Query(alias="id")],
) -> MemberNamesOut:
    rows = await reads.names(_pool(request), member_id[:LIST_LIMIT])
    return MemberNamesOut(
        items=[MemberName(member_id=m.id, hi=m.name_hi, en=m.name_latin) for m in rows]
    )


@router.get("/units/names", summary="Names and kinds of units (roster read model)")
async def unit_names(
    request: Request,
    _: Reviewer,
    unit_id: Annotated[list[str], Query(alias="id")],
) -> UnitNamesOut:
    rows = await reads.unit_names(_pool(request), unit_id[:LIST_LIMIT])
    return UnitNamesOut(
        items=[UnitName(unit_id=u.id, kind=u.kind, hi=u.name_hi, en=u.name_en) for u in rows]
    )
