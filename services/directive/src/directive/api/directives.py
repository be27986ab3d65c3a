"""Issue, list, read, update and cancel directives; the unit tree for choosing an audience."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import Authorized, authorize, require
from nazar_platform.http.idempotency import IdempotencyClaim
from nazar_platform.http.pagination import Page, PageParams, page_params

from directive.api import schemas, views
from directive.api.common import (
    IDEMPOTENT,
    actor_of,
    directive_for,
    now_of,
    pool_of,
    settings_of,
    topics_of,
)
from directive.api.problems import ISSUERS_ONLY
from directive.domain.campaigns import campaign_post_url
from directive.domain.model import Text
from directive.handlers import issue as handlers
from directive.store import attachments as attachment_store
from directive.store import directives as store
from directive.store import roster

router = APIRouter(tags=["directives"])
Issuer = Annotated[Principal, Depends(require(Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY))]
Reader = Annotated[Principal, Depends(require(Action.DIRECTIVE_READ))]
Claim = Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)]


def _text(title: schemas.TitleIn, body: schemas.BodyIn) -> Text:
    return Text(title.hi, body.hi, title.en, body.en)


async def _detail(
    request: Request, d: store.DirectiveRow, scope: list[str] | None
) -> schemas.DirectiveDetail:
    """The directive with what of it the caller's scope covers: the districts at or below an
    SP's or IG's units (or around a CO's circle), their relays, and the notes and escalations
    about units inside the scope."""
    async with pool_of(request).acquire() as conn:
        attachments = await attachment_store.attachments(conn, d.attachment_ids)
        districts = await store.districts_of(conn, d.id)
        relays = await store.relays_of(conn, d.id)
        messages = await store.messages_of(conn, d.id)
        escalations = await views.escalations_within(conn, d.id, scope)
        paths = await roster.unit_paths(
            conn,
            [x.district_id for x in districts]
            + [m.unit_id for m in messages if m.unit_id]
            + list(scope or []),
        )

    def district_visible(district_id: str) -> bool:
        if scope is None:
            return True
        return views.within(paths.get(district_id, []), scope) or any(
            district_id in paths.get(u, []) for u in scope
        )

    def message_visible(m: store.MessageRow) -> bool:
        if scope is None or m.unit_id is None:
            return True  # the directive's own text, updates and the cancellation
        return views.within(paths.get(m.unit_id, [m.unit_id]), scope)

    mine = [x for x in districts if district_visible(x.district_id)]
    ids = {x.district_id for x in mine}
    return schemas.DirectiveDetail(
        **views.directive(d, attachments),
        messages=[views.message(m) for m in messages if message_visible(m)],
        districts=[
            schemas.DistrictOut(
                district_id=x.district_id,
                range_id=x.range_id,
                circle_ids=x.circles,
                relayed_at=x.relayed_at,
                overdue_at=x.overdue_at,
            )
            for x in mine
        ],
        relays=[views.relay(r) for r in relays if r["district_id"] in ids],
        escalations=[views.escalation(e) for e in escalations],
    )


@router.post("/directives", status_code=201, response_model=schemas.DirectiveDetail)
async def issue_directive(
    body: schemas.IssueIn, request: Request, response: Response, principal: Issuer, claim: Claim
) -> schemas.DirectiveDetail:
    """Issue a directive or campaign (ADG Crime, Home Department). It goes at once to the
    state-level members and to the SPs and IGs of the targeted districts."""
    decision = await authorize(request, principal, Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY)
    post_url = campaign_post_url(
        body.public_post_url, body.kind, settings_of(request).campaign_post_hosts
    )
    directive_id = await handlers.issue(
        pool_of(request),
        topics_of(request),
        handlers.IssueCommand(
            text=_text(body.title, body.body),
            priority=body.priority,
            kind=body.kind,
            audience_units=list(body.audience.unit_ids),
            audience_roles=None
            if body.audience.roles is None
            else [str(r) for r in body.audience.roles],
            ack_required=body.ack_required,
            relay_mode=body.relay_mode,
            relay_deadline=None
            if body.relay_deadline_seconds is None
            else timedelta(seconds=body.relay_deadline_seconds),
            ack_window=None
            if body.ack_window_seconds is None
            else timedelta(seconds=body.ack_window_seconds),
            ack_threshold=body.ack_threshold,
            expires_at=body.expires_at,
            attachment_ids=list(dict.fromkeys(body.attachment_ids)),
            public_post_url=post_url,
        ),
        actor_of(principal, decision),
        now_of(request),
        directive_id=claim.derived_id("directive") if claim else None,
    )
    response.headers["Location"] = f"/api/v1/directives/{directive_id}"
    async with pool_of(request).acquire() as conn:
        d = await store.get_directive(conn, directive_id)
    assert d is not None
    return await _detail(request, d, None)


@router.get("/directives", response_model=Page[schemas.DirectiveOut])
async def list_directives(
    request: Request,
    principal: Reader,
    page: Annotated[PageParams, Depends(page_params)],
    state: str | None = None,
) -> Page[schemas.DirectiveOut]:
    """Newest first: every directive (HQ), or those that reach the caller's units."""
    scope = scope_units(principal, Action.DIRECTIVE_READ)
    units = None if scope.everywhere else sorted(scope.unit_ids)
    pool = pool_of(request)
    found = await store.page(pool, state=state, units=units, cursor=page.cursor, limit=page.limit)
    async with pool.acquire() as conn:
        rows = await attachment_store.attachments(
            conn, [i for d in found.items for i in d.attachment_ids]
        )
    attachments = {a.id: a for a in rows}
    return Page[schemas.DirectiveOut](
        items=[
            schemas.DirectiveOut(
                **views.directive(d, [attachments[i] for i in d.attachment_ids if i in attachments])
            )
            for d in found.items
        ],
        next_cursor=found.next_cursor,
    )


@router.get("/directives/{directive_id}", response_model=schemas.DirectiveDetail)
async def get_directive(
    directive_id: uuid.UUID, request: Request, principal: Reader
) -> schemas.DirectiveDetail:
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    return await _detail(request, d, scope)


@router.post(
    "/directives/{directive_id}/updates", status_code=201, response_model=schemas.MessageOut
)
async def update_directive(
    directive_id: uuid.UUID,
    body: schemas.UpdateIn,
    request: Request,
    principal: Issuer,
    claim: Claim,
) -> schemas.MessageOut:
    """A new text: a new message to everyone who got the original (and to later relays)."""
    decision = await authorize(request, principal, Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY)
    message_id = await handlers.update(
        pool_of(request),
        topics_of(request),
        directive_id,
        _text(body.title, body.body),
        body.expires_at,
        actor_of(principal, decision),
        now_of(request),
        message_id=claim.derived_id("update") if claim else None,
    )
    return await _message(request, directive_id, message_id)


@router.post(
    "/directives/{directive_id}/cancel", status_code=201, response_model=schemas.MessageOut
)
async def cancel_directive(
    directive_id: uuid.UUID,
    body: schemas.CancelIn,
    request: Request,
    principal: Issuer,
    claim: Claim,
) -> schemas.MessageOut:
    """Cancel: a cancellation message to everyone who got the original."""
    decision = await authorize(request, principal, Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY)
    message_id = await handlers.cancel(
        pool_of(request),
        topics_of(request),
        directive_id,
        body.reason,
        actor_of(principal, decision),
        now_of(request),
        message_id=claim.derived_id("cancel") if claim else None,
    )
    return await _message(request, directive_id, message_id)


async def _message(
    request: Request, directive_id: uuid.UUID, message_id: uuid.UUID
) -> schemas.MessageOut:
    async with pool_of(request).acquire() as conn:
        found = [m for m in await store.messages_of(conn, directive_id) if m.id == message_id]
    return views.message(found[0])


@router.get("/units", response_model=list[schemas.UnitOut], tags=["units"])
async def units(
    request: Request, _principal: Authorized, kind: str | None = None
) -> list[schemas.UnitOut]:
    """The command tree as this service knows it (for choosing an audience)."""
    return [
        schemas.UnitOut(
            id=u.id,
            kind=u.kind,
            parent_id=u.parent_id,
            path=list(u.path),
            name=schemas.Bilingual(hi=u.name_hi, en=u.name_en),
            active=u.active,
        )
        for u in await roster.units(pool_of(request), kind)
    ]
