"""The SP's relay, the CO's note, and a member's acknowledgement."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from nazar_platform.http.idempotency import IdempotencyClaim

from directive.api import schemas, views
from directive.api.common import IDEMPOTENT, actor_of, now_of, pool_of, topics_of
from directive.api.problems import problem
from directive.domain.acks import AckVia
from directive.handlers import acks as ack_handlers
from directive.handlers import relay as handlers
from directive.store import directives as store
from directive.store import receipts

router = APIRouter(tags=["directives"])
Claim = Annotated[IdempotencyClaim | None, Depends(IDEMPOTENT)]


@router.post("/directives/{directive_id}/relays", status_code=201, response_model=schemas.RelayOut)
async def relay(
    directive_id: uuid.UUID,
    body: schemas.RelayIn,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_RELAY))],
    claim: Claim,
) -> schemas.RelayOut:
    """The district's SP relays the directive into the district's circle groups (all targeted
    circles, or some), optionally with a local note. The audience is the groups' membership now."""
    decision = await authorize(request, principal, Action.DIRECTIVE_RELAY, unit_id=body.district_id)
    result = await handlers.relay(
        pool_of(request),
        topics_of(request),
        directive_id,
        body.district_id,
        body.circle_ids,
        body.note,
        actor_of(principal, decision),
        now_of(request),
        relay_id=claim.derived_id("relay") if claim else None,
    )
    async with pool_of(request).acquire() as conn:
        row = await store.relay_by_id(conn, result.relay_id)
    assert row is not None
    response.headers["Location"] = f"/api/v1/directives/{directive_id}"
    return schemas.RelayOut(
        relay_id=row["id"],
        district_id=row["district_id"],
        circle_ids=list(row["circles"]),
        note=row["note"],
        relayed_by=row["relayed_by"],
        automatic=row["relayed_by"] is None,
        at=row["created_at"],
    )


@router.post("/directives/{directive_id}/notes", status_code=201, response_model=schemas.MessageOut)
async def note(
    directive_id: uuid.UUID,
    body: schemas.NoteIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_NOTE))],
    claim: Claim,
) -> schemas.MessageOut:
    """The circle's CO adds a note that reaches the circle's members."""
    decision = await authorize(request, principal, Action.DIRECTIVE_NOTE, unit_id=body.circle_id)
    message_id = await handlers.note(
        pool_of(request),
        topics_of(request),
        directive_id,
        body.circle_id,
        body.text,
        actor_of(principal, decision),
        now_of(request),
        message_id=claim.derived_id("note") if claim else None,
    )
    async with pool_of(request).acquire() as conn:
        found = [m for m in await store.messages_of(conn, directive_id) if m.id == message_id]
    return views.message(found[0])


@router.post(
    "/directives/{directive_id}/ack",
    response_model=list[schemas.AckOut],
    dependencies=[Depends(IDEMPOTENT)],
)
async def acknowledge(
    directive_id: uuid.UUID,
    body: schemas.AckIn,
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_ACKNOWLEDGE))],
) -> list[schemas.AckOut]:
    """The caller acknowledges the directive (every message of it that asked), or one message.
    Answers what is acknowledged now; repeating it changes nothing."""
    await authorize(request, principal, Action.DIRECTIVE_ACKNOWLEDGE, member_id=principal.member_id)
    pool = pool_of(request)
    mine = await receipts.deliveries_to(pool, directive_id, principal.member_id, body.message_id)
    if not mine:
        raise problem(
            404,
            "directive.not_found",
            "nothing of this directive was sent to you",
            "यह निर्देश आपको नहीं भेजा गया है",
        )
    await ack_handlers.acknowledge_directive(
        pool,
        topics_of(request),
        directive_id,
        principal.member_id,
        body.message_id,
        AckVia.APP,
        now_of(request),
    )
    return [
        schemas.AckOut(delivery_id=a.delivery_id, message_id=a.message_id, via=a.via, at=a.at)
        for a in await receipts.acknowledgements(pool, mine)
    ]
