"""The field app registers the browser a member allowed notifications in (Web Push, issue 17):
`POST /me/push-subscriptions` with the `PushSubscription.toJSON()` the browser gave it, `GET` to
list one's own, `DELETE` to remove one (the app does on sign-out). Only one's own: the member is
the signed-in caller, never a path parameter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from nazar_platform.http.access import Authorized
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, ConfigDict, Field

from roster.api.common import roster_of
from roster.domain.push import Subscription
from roster.handlers import push_subscriptions as handlers
from roster.handlers.push_subscriptions import PushPolicy, PushRefusedError

router = APIRouter(tags=["push"])

# Why a subscription is refused, in the words the app shows (English, Hindi).
REASONS = {
    "endpoint": (
        "The endpoint is not at a known push service; subscribe again in the app.",
        "एंडपॉइंट किसी ज्ञात पुश सेवा का नहीं है; ऐप में फिर से सदस्यता लें।",
    ),
    "p256dh": (
        "keys.p256dh is not a P-256 public key (65 bytes, base64url).",
        "keys.p256dh एक P-256 सार्वजनिक कुंजी (65 बाइट, base64url) नहीं है।",
    ),
    "auth": (
        "keys.auth is not a 16-byte secret (base64url).",
        "keys.auth 16 बाइट का गुप्त मान (base64url) नहीं है।",
    ),
}


class Keys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class SubscriptionIn(BaseModel):
    """What `PushSubscription.toJSON()` gives; `expirationTime` is accepted and not kept (the
    push service answers 410 when it is over, and the publisher drops it then)."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=12, max_length=2048)
    expirationTime: int | None = None  # noqa: N815 - the browser's own spelling
    keys: Keys


class SubscriptionOut(BaseModel):
    endpoint: str
    created_at: datetime


def _policy(request: Request) -> PushPolicy:
    policy: PushPolicy = request.app.state.push_policy
    return policy


@router.post(
    "/me/push-subscriptions",
    status_code=201,
    summary="Add the browser the caller allowed notifications in",
)
async def subscribe(
    body: SubscriptionIn, request: Request, response: Response, principal: Authorized
) -> list[SubscriptionOut]:
    sub = Subscription(body.endpoint, body.keys.p256dh, body.keys.auth)
    try:
        changed = await handlers.subscribe(
            roster_of(request), principal.member_id, sub, _policy(request)
        )
    except PushRefusedError as exc:
        en, hi = REASONS[exc.reason]
        raise ProblemError(
            422, "roster.push_subscription_refused", detail_params={"reason": en, "reason_hi": hi}
        ) from None
    if not changed:
        response.status_code = 200  # known already: nothing new
    return await own(request, principal)


@router.get("/me/push-subscriptions", summary="The caller's own push subscriptions")
async def own(request: Request, principal: Authorized) -> list[SubscriptionOut]:
    rows = await handlers.listing(roster_of(request), principal.member_id)
    return [SubscriptionOut(**r) for r in rows]


@router.delete(
    "/me/push-subscriptions",
    status_code=204,
    summary="Remove one of the caller's push subscriptions (the app does on sign-out)",
)
async def unsubscribe(
    request: Request,
    principal: Authorized,
    endpoint: Annotated[str, Query(min_length=12, max_length=2048)],
) -> Response:
    if not await handlers.unsubscribe(roster_of(request), principal.member_id, endpoint):
        raise ProblemError(404, "roster.push_subscription_not_found")
    return Response(status_code=204)
