"""/stories: a field member writes and sends a story and follows it; reviewers work their queue.

The author and their unit come from the token (the grant that allows `story.submit`); a reviewer
acts through the grant that reviews the step the story waits at. POSTs take an Idempotency-Key:
a retry over a flaky mobile network creates and decides nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response
from nazar_contracts.publish import Overflow
from nazar_contracts.stories import CirculationScope, PublicChannel, ReviewLevel
from nazar_platform.auth.access import AccessDecision, Action, scopes_for
from nazar_platform.auth.tokens import Grant, Principal
from nazar_platform.http.access import get_principal, require
from nazar_platform.http.idempotency import IdempotencyClaim, idempotent
from nazar_platform.http.problems import ProblemError
from nazar_platform.runtime.context import runtime_of

from story_intake.api.media_views import media_out
from story_intake.api.problems import NOT_FOUND, refusal
from story_intake.api.schemas import (
    ApprovalOut,
    ClaimOut,
    DecisionIn,
    MediaOut,
    NewStoryIn,
    PostOut,
    StepOut,
    StoriesOut,
    StoryIn,
    StoryOut,
    TextIn,
    TitleIn,
    WithdrawalOut,
)
from story_intake.domain.chain import Actor, ChainRefusalError, Decision
from story_intake.domain.posts import thread_urls
from story_intake.handlers import approval as approval_handlers
from story_intake.handlers import photos as photo_handlers
from story_intake.handlers import stories as handlers
from story_intake.handlers.media_links import MediaLinks
from story_intake.settings import StoryIntakeSettings
from story_intake.store.cell import ApprovalRow
from story_intake.store.posts import PostRow, WithdrawalRow
from story_intake.store.stories import Content, StepRow, StoryRow

router = APIRouter(tags=["stories"])
Author = Annotated[Principal, Depends(require(Action.STORY_SUBMIT))]
Reviewer = Annotated[Principal, Depends(require(Action.STORY_MODERATE))]
Claim = Annotated[IdempotencyClaim | None, Depends(idempotent(get_principal))]
LIST_LIMIT = 200


def _pool(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


def _settings(request: Request) -> StoryIntakeSettings:
    settings: StoryIntakeSettings = runtime_of(request).settings  # type: ignore[assignment]
    return settings


def _now() -> datetime:
    return datetime.now(UTC)


def _author(principal: Principal) -> handlers.Author:
    grant = scopes_for(principal, Action.STORY_SUBMIT)[0][0]  # `require` saw at least one
    return handlers.Author(principal.member_id, grant.role, grant.unit_id)


def _audit_as(request: Request, actor: Actor, row: StoryRow) -> None:
    """The audit row names the grant the reviewer acted through and the story's unit, not just
    the first grant that holds the action."""
    decision: AccessDecision = request.state.access_decision
    request.state.access_decision = replace(
        decision, grant=Grant(actor.role, actor.unit_id), unit_id=row.unit_id
    )


def _actors(principal: Principal) -> list[Actor]:
    return [Actor(principal.member_id, g.role, g.unit_id) for g in principal.grants]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except ChainRefusalError as exc:
        raise refusal(exc) from None
    except handlers.StoryNotFoundError:
        raise ProblemError(404, NOT_FOUND) from None


def _content(body: StoryIn) -> Content:
    return Content(
        kind=str(body.kind),
        title_hi=body.title.hi,
        title_en=body.title.en,
        text_hi=body.text.hi,
        text_en=body.text.en,
        place=body.place,
        latitude=body.latitude,
        longitude=body.longitude,
        event_date=body.event_date,
        case_ref=body.case_ref,
    )


def _step(s: StepRow) -> StepOut:
    return StepOut(
        action=s.action,
        level=ReviewLevel(s.level) if s.level else None,
        by=s.by_id,
        by_role=s.by_role,
        note=s.note,
        at=s.at,
    )


def approval_out(a: ApprovalRow | None) -> ApprovalOut | None:
    if a is None:
        return None
    return ApprovalOut(
        scope=CirculationScope(a.scope),
        public_channels=[PublicChannel(c) for c in a.public_channels],
        versions=a.versions,
        by=a.by_id,
        by_role=a.by_role,
        at=a.at,
        overflow=Overflow(a.overflow),
    )


def _withdrawal_out(w: WithdrawalRow | None) -> WithdrawalOut | None:
    if w is None:
        return None
    return WithdrawalOut.model_validate(
        {
            "state": w.state, "reason": w.reason, "by": w.by_id, "by_role": w.by_role,
            "at": w.at, "task_id": str(w.task_id) if w.task_id else None,
            "task_opened_at": w.task_at, "confirmed_by": w.confirmed_by,
            "confirmed_at": w.confirmed_at, "method": w.method, "failure": w.failure,
            "failure_code": w.failure_code, "done_at": w.done_at,
        }
    )  # fmt: skip


def post_out(p: PostRow) -> PostOut:
    return PostOut.model_validate(
        {
            "post_id": str(p.post_id), "channel": p.channel, "version": p.version,
            "state": p.state, "provider_post_id": p.provider_post_id, "public_url": p.public_url,
            "public_urls": thread_urls(p.public_url, p.provider_post_id, p.thread_post_ids),
            "reason": p.reason, "provider_code": p.provider_code, "retryable": p.retryable,
            "account_id": p.account_id, "overflow": p.overflow,
            "withdrawal": _withdrawal_out(p.withdrawal), "requested_at": p.requested_at,
            "updated_at": p.updated_at,
        }
    )  # fmt: skip


def _out(
    row: StoryRow,
    steps: list[StepRow] | None = None,
    photos: list[MediaOut] | None = None,
    approval: ApprovalRow | None = None,
    posts: Sequence[PostRow] | None = None,
) -> StoryOut:
    c = row.content
    claim = None
    lapses = row.claim_lapses_at
    if row.claim_by and row.claim_role and row.claim_at and lapses and lapses > _now():
        claim = ClaimOut(by=row.claim_by, by_role=row.claim_role, at=row.claim_at, lapses_at=lapses)
    return StoryOut.model_validate(
        {
            "id": row.id,
            "kind": c.kind,
            "title": TitleIn(hi=c.title_hi, en=c.title_en),
            "text": TextIn(hi=c.text_hi, en=c.text_en),
            "place": c.place,
            "latitude": c.latitude,
            "longitude": c.longitude,
            "event_date": c.event_date,
            "case_ref": c.case_ref,
            "author_id": row.author_id,
            "unit_id": row.unit_id,
            "circle_id": row.circle_id,
            "district_id": row.district_id,
            "state": row.state,
            "level": row.level,
            "gate_verdict": row.gate_verdict,
            "gate_rules": list(row.gate_rules),
            "sexual_offence": row.sexual_offence,
            "child_involved": row.child_involved,
            "claim": claim,
            "steps": None if steps is None else [_step(s) for s in steps],
            "photos": photos,
            "approval": approval_out(approval),
            "posts": None if posts is None else [post_out(p) for p in posts],
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


async def _photos(request: Request, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[MediaOut]]:
    """The live photos and creatives of stories the caller may list, with signed URLs."""
    links = MediaLinks.of(_settings(request))
    now = _now()
    found = await photo_handlers.of_stories(_pool(request), ids)
    return {i: [media_out(r, links, now) for r in rows] for i, rows in found.items()}


async def _mine_one(request: Request, member_id: str, story_id: uuid.UUID) -> StoryOut:
    for item in await handlers.mine(_pool(request), member_id, LIST_LIMIT):
        if item.story.id == story_id:
            photos = await _photos(request, [story_id])
            return _out(item.story, item.steps, photos[story_id], item.approval, item.posts)
    raise ProblemError(404, NOT_FOUND)


@router.post("/stories", status_code=201, summary="Write a story: keep a draft, or send it up")
async def create_story(
    body: NewStoryIn, request: Request, response: Response, principal: Author, claim: Claim
) -> StoryOut:
    with _refusals():
        story_id = await handlers.create(
            _pool(request),
            _author(principal),
            _content(body),
            _now(),
            submit=body.submit,
            story_id=claim.derived_id("story") if claim else None,
        )
    response.headers["Location"] = f"/api/v1/stories/{story_id}"
    return await _mine_one(request, principal.member_id, story_id)


@router.get("/stories/mine", summary="My stories with their state and every note")
async def my_stories(request: Request, principal: Author) -> StoriesOut:
    items = await handlers.mine(_pool(request), principal.member_id, LIST_LIMIT)
    photos = await _photos(request, [i.story.id for i in items])
    return StoriesOut(
        items=[_out(i.story, i.steps, photos[i.story.id], i.approval, i.posts) for i in items]
    )


@router.put("/stories/{story_id}", summary="Change a draft or a story sent back to me")
async def edit_story(
    story_id: uuid.UUID, body: StoryIn, request: Request, principal: Author
) -> StoryOut:
    with _refusals():
        await handlers.edit(_pool(request), story_id, _author(principal), _content(body), _now())
    return await _mine_one(request, principal.member_id, story_id)


@router.post("/stories/{story_id}/submit", summary="Send a draft up, or resubmit after changes")
async def submit_story(
    story_id: uuid.UUID, request: Request, principal: Author, _: Claim
) -> StoryOut:
    with _refusals():
        await handlers.submit(_pool(request), story_id, _author(principal), _now())
    return await _mine_one(request, principal.member_id, story_id)


@router.post("/stories/{story_id}/withdraw", summary="Take my story back (until it is approved)")
async def withdraw_story(
    story_id: uuid.UUID, request: Request, principal: Author, _: Claim
) -> StoryOut:
    with _refusals():
        await handlers.withdraw(_pool(request), story_id, _author(principal), _now())
    return await _mine_one(request, principal.member_id, story_id)


@router.get("/stories/queue", summary="The stories waiting at my level, oldest first")
async def queue(
    request: Request, principal: Reviewer, level: Annotated[ReviewLevel, Query()]
) -> StoriesOut:
    with _refusals():
        rows = await handlers.queue(_pool(request), _actors(principal), level, LIST_LIMIT)
    photos = await _photos(request, [r.id for r in rows])
    return StoriesOut(items=[_out(r, photos=photos[r.id]) for r in rows])


@router.post("/stories/{story_id}/claim", summary="Take a story to work on it")
async def claim_story(
    story_id: uuid.UUID, request: Request, principal: Reviewer, _: Claim
) -> StoryOut:
    with _refusals():
        row, actor = await handlers.claim(
            _pool(request), story_id, _actors(principal), _now(), _settings(request).claim_lapse
        )
    _audit_as(request, actor, row)
    return _out(row)


@router.post(
    "/stories/{story_id}/decisions",
    summary="Forward, approve (PHQ), send back with a note, or reject with a reason",
)
async def decide(
    story_id: uuid.UUID, body: DecisionIn, request: Request, principal: Reviewer, claim: Claim
) -> StoryOut:
    pool = _pool(request)
    with _refusals():
        if body.decision is Decision.APPROVE:
            # A bare approval names nothing: the narrowest, the PHQ crime admin group only, no
            # public channel (`POST /stories/{id}/approval` names scope and channels).
            settings = _settings(request)
            req = approval_handlers.Request(
                scope=CirculationScope.PHQ_ADMIN,
                public=(),
                versions={},
                hashtag_limit=settings.instagram_hashtag_limit,
                links=MediaLinks.of(settings),
            )
            actor = await approval_handlers.approve(pool, story_id, _actors(principal), req, _now())
        else:
            actor = await handlers.decide(
                pool,
                story_id,
                _actors(principal),
                body.decision,
                _now(),
                text=body.note,
                request_id=claim.derived_id("decision") if claim else None,
            )
        row = await handlers.story(pool, story_id)
    _audit_as(request, actor, row)
    return _out(row)
