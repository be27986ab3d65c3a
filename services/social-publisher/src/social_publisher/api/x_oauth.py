"""Connecting the X accounts: `POST /api/v1/social/accounts/{id}/connect` (the cell, action
`publish.manage`) answers X's authorize URL; X sends the browser back to `GET /oauth/x/callback`
with `state` and `code` (the state is the only credential there: one use, short-lived)."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.edge import SIGNED_LINK, route_class
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel

from social_publisher.handlers.x_connect import ConnectError, XConnect

router = APIRouter(tags=["social accounts"])
callback_router = APIRouter(tags=["social accounts"])

_STATUS = {
    "x_account_unknown": 404,
    "x_connect_expired": 400,
    "x_connect_refused": 400,
    "x_connect_denied": 400,
    "x_wrong_account": 409,
    "x_unavailable": 503,
    "x_not_configured": 503,
}


class ConnectOut(BaseModel):
    authorize_url: str
    expires_at: str


def _x(request: Request) -> XConnect:
    keeper = getattr(request.app.state, "tokens", None)
    x: XConnect | None = getattr(keeper, "x_connect", None)
    if x is None:
        raise ProblemError(503, "x_not_configured")
    return x


@router.post("/social/accounts/{account_id}/connect", response_model=ConnectOut)
async def connect(
    account_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.PUBLISH_MANAGE))],
) -> ConnectOut:
    """Start connecting an X account: open `authorize_url` in the browser of the account's owner
    and approve; X returns to the callback, which stores the tokens and resumes the account."""
    x = _x(request)
    try:
        url, expires_at = await x.start(account_id, principal.member_id)
    except ConnectError as exc:
        raise ProblemError(_STATUS[exc.code], exc.code) from None
    return ConnectOut(authorize_url=url, expires_at=expires_at.isoformat())


@callback_router.get(
    "/oauth/x/callback", response_class=HTMLResponse, openapi_extra=route_class(SIGNED_LINK)
)
async def callback(
    request: Request,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    x = _x(request)
    if error or not code or not state:
        raise ProblemError(400, "x_connect_denied")
    try:
        account_id = html.escape(await x.finish(state, code))
    except ConnectError as exc:
        raise ProblemError(_STATUS[exc.code], exc.code) from None
    return HTMLResponse(
        "<!doctype html><html lang='hi'><meta charset='utf-8'><title>X</title>"
        f"<p>X खाता <b>{account_id}</b> जुड़ गया; यह विंडो बंद करें।</p>"
        f"<p lang='en'>The X account <b>{account_id}</b> is connected; close this window.</p>"
    )
