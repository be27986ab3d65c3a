"""OpenID Connect, a second way in for officers (issue 16 item 6), and the list of ways in.

`GET /auth/oidc/start?next=` sends the browser to the state's single sign-on; the provider sends
it back to `GET /auth/oidc/callback`, which sends it on to the sign-in page: with
`?ticket=&needs_passkey=&next=` when an officer signed in (the page continues as after a code),
with `?problem=<code>&next=` otherwise (the code's Hindi and English texts are in
api/problems.py). The callback answers with redirects only because a browser, not a script, is
at the other end; `start` refuses a bad `next` or a roster without single sign-on with a problem
document, since the page itself calls it.

The state is tied to the browser by the `nazar_oidc` cookie (HttpOnly; SameSite=Lax, as the
provider's redirect back is a cross-site top-level navigation, on which a Strict cookie would
not be sent; its path is the redirect URL's, `/roster/api/v1/auth/oidc/callback` behind the one
origin's proxy, so only the callback gets it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from nazar_platform.http.edge import SIGN_IN, route_class
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel

from roster.adapters.oidc import ProviderError
from roster.domain.oidc import NextInvalidError, continue_url, refused_url, safe_next
from roster.handlers import oidc_sign_in as handlers
from roster.handlers.oidc_sign_in import OidcRefusedError, OidcSignIn

router = APIRouter(tags=["sign-in"])
_PUBLIC = route_class(SIGN_IN)
COOKIE = "nazar_oidc"
START = "/api/v1/auth/oidc/start"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_Text = Annotated[str | None, Query(max_length=4096)]
_PROBLEM: dict[str, dict[str, str]] = {"application/problem+json": {}}
_REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "on to the next page (`Location`)"}
}


class Name(BaseModel):
    hi: str
    en: str


class OidcMethod(BaseModel):
    name: Name
    start: str


class Methods(BaseModel):
    oidc: OidcMethod | None


def _oidc(request: Request) -> OidcSignIn | None:
    found: OidcSignIn | None = getattr(request.app.state, "oidc_sign_in", None)
    return found


@router.get("/auth/methods", summary="The ways to sign in besides a phone code")
async def methods(request: Request) -> Methods:
    if _oidc(request) is None:
        return Methods(oidc=None)
    hi, en = request.app.state.oidc_names
    return Methods(oidc=OidcMethod(name=Name(hi=hi, en=en), start=START))


@router.get(
    "/auth/oidc/start",
    status_code=302,
    summary="Go to the state's single sign-on (officers)",
    openapi_extra=_PUBLIC,
    response_class=RedirectResponse,
    responses={
        **_REDIRECT,
        502: {
            "description": "Problem document; code `auth.oidc_provider_error`",
            "content": _PROBLEM,
        },
    },
)
async def start(request: Request, next: _Text = None) -> RedirectResponse:
    oidc = _oidc(request)
    if oidc is None:
        raise ProblemError(404, "auth.oidc_off")
    try:
        next_path = safe_next(next)
    except NextInvalidError:
        raise ProblemError(422, "auth.next_invalid") from None
    try:
        started = await handlers.start(oidc, next_path)
    except ProviderError:
        raise ProblemError(502, "auth.oidc_provider_error") from None
    answer = RedirectResponse(started.url, status_code=302)
    answer.headers["Cache-Control"] = "no-store"
    answer.set_cookie(
        COOKIE,
        started.state,
        max_age=int(oidc.state_lifetime.total_seconds()),
        path=oidc.cookie_path,
        httponly=True,
        secure=not (request.url.scheme == "http" and request.url.hostname in _LOOPBACK),
        samesite="lax",
    )
    return answer


@router.get(
    "/auth/oidc/callback",
    status_code=302,
    summary="The single sign-on's answer: on to the sign-in page with a ticket or a problem",
    openapi_extra=_PUBLIC,
    response_class=RedirectResponse,
    responses=_REDIRECT,
)
async def callback(
    request: Request,
    state: _Text = None,
    code: _Text = None,
    error: _Text = None,
) -> RedirectResponse:
    oidc = _oidc(request)
    if oidc is None:
        raise ProblemError(404, "auth.oidc_off")
    try:
        signed_in = await handlers.finish(
            oidc,
            state=state,
            cookie_state=request.cookies.get(COOKIE),
            code=code,
            error=error,
            ip=request.client.host if request.client else None,
            request_id=getattr(request.state, "request_id", None),
        )
        target = continue_url(
            oidc.sign_in_page, signed_in.ticket, signed_in.needs_passkey, signed_in.next_path
        )
    except OidcRefusedError as exc:
        target = refused_url(oidc.sign_in_page, exc.problem, exc.next_path)
    answer = RedirectResponse(target, status_code=302)
    answer.headers["Cache-Control"] = "no-store"
    answer.delete_cookie(COOKIE, path=oidc.cookie_path)
    return answer
