"""Issue 16, item 2: the roster's token endpoint, sign-out and JWKS.

Browsers (requests with an Origin header) get the refresh token only as the `nazar_refresh`
cookie (HttpOnly, SameSite=Strict, Path=<prefix>/api/v1/auth — `/roster/api/v1/auth` behind the
one origin —, Secure except on http loopback) and must
come from the roster's own origin (the CSRF check); API clients get it in the body and send it
back in the body.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from nazar_contracts.vocabulary import ROLE_NAMES, UNIT_KIND_NAMES, Role, UnitKind
from nazar_platform.http.edge import SIGN_IN, route_class
from nazar_platform.http.forwarded import prefix
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, ConfigDict, Field

from roster.api.common import seen_of
from roster.handlers.sessions import Posting, Sessions, TokenRefusedError, Tokens
from roster.handlers.signing_keys import SigningKeys

router = APIRouter(tags=["auth"])
# No bearer token here: the ticket or the refresh token is the credential, so these routes draw on
# the phone sign-in's per-address limit (nazar_platform.http.edge), not the API's.
_PUBLIC = route_class(SIGN_IN)
COOKIE = "nazar_refresh"
COOKIE_PATH = "/api/v1/auth"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# Problem status of each refusal (texts in api/problems.py).
STATUS = {
    "auth.ticket_invalid": 400,
    "auth.ticket_used": 400,
    "auth.ticket_expired": 400,
    "auth.passkey_required": 403,
    "auth.refresh_invalid": 401,
    "auth.refresh_revoked": 401,
    "auth.refresh_reused": 401,
    "auth.refresh_expired": 401,
    "auth.no_grants": 403,
}
_Secret = Annotated[str, Field(min_length=16, max_length=256)]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_type: Literal["ticket", "refresh_token"]
    ticket: _Secret | None = None
    refresh_token: _Secret | None = None


class Names(BaseModel):
    hi: str | None = None
    en: str | None = None


class PostingOut(BaseModel):
    """A posting as the consoles' header shows it: role and unit by name in either language."""

    role: str
    role_name: Names
    unit_id: str
    unit_kind: str
    unit_kind_name: Names
    unit_name: Names


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    member_id: str
    refresh_token: str | None = None  # API clients only; browsers get the cookie
    # Who signed in, by name (Hindi, Latin script) and postings by name: what a page shows.
    name: Names = Field(default_factory=Names)
    postings: list[PostingOut] = Field(default_factory=list)


def _names(pair: tuple[str, str] | None) -> Names:
    return Names(hi=pair[0], en=pair[1]) if pair else Names()


def _posting(p: Posting) -> PostingOut:
    role = ROLE_NAMES.get(Role(p.role)) if p.role in Role.__members__.values() else None
    known_kind = p.unit_kind in UnitKind.__members__.values()
    kind = UNIT_KIND_NAMES.get(UnitKind(p.unit_kind)) if known_kind else None
    return PostingOut(
        role=p.role,
        role_name=_names(role),
        unit_id=p.unit_id,
        unit_kind=p.unit_kind,
        unit_kind_name=_names(kind),
        unit_name=Names(hi=p.unit_name_hi, en=p.unit_name_en),
    )


class SignOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: _Secret | None = None


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def _browser(request: Request) -> bool:
    """A browser names its origin on every POST; it must be ours (CSRF)."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin != own:
        raise ProblemError(403, "auth.origin_refused")
    return True


def _refresh_of(request: Request, body_token: str | None, browser: bool) -> str:
    token = request.cookies.get(COOKIE) if browser else body_token
    if not token:
        raise ProblemError(400, "auth.token_request_invalid")
    return token


def _answer(tokens: Tokens, response: Response, request: Request, browser: bool) -> TokenOut:
    response.headers["Cache-Control"] = "no-store"
    out = TokenOut(
        access_token=tokens.access_token,
        expires_in=tokens.expires_in,
        member_id=tokens.member_id,
        name=Names(hi=tokens.name_hi, en=tokens.name_latin),
        postings=[_posting(p) for p in tokens.postings],
    )
    if not browser:
        out.refresh_token = tokens.refresh_token
        return out
    response.set_cookie(
        COOKIE,
        tokens.refresh_token,
        max_age=int(sessions_of(request).refresh_ttl.total_seconds()),
        path=cookie_path(),
        httponly=True,
        secure=not (request.url.scheme == "http" and request.url.hostname in _LOOPBACK),
        samesite="strict",
    )
    return out


def cookie_path() -> str:
    """The cookie's path: the browser sends it only to the token routes, which behind the one
    origin are under the roster's prefix (`/roster/api/v1/auth`)."""
    return prefix() + COOKIE_PATH


def _cleared_cookie() -> str:
    blank = Response()
    blank.delete_cookie(COOKIE, path=cookie_path())
    return blank.headers["set-cookie"]


@router.post(
    "/auth/token",
    summary="A sign-in ticket or a refresh token for a new token pair",
    openapi_extra=_PUBLIC,
)
async def token(body: TokenIn, request: Request, response: Response) -> TokenOut:
    browser = _browser(request)
    sessions = sessions_of(request)
    try:
        if body.grant_type == "ticket":
            if not body.ticket:
                raise ProblemError(400, "auth.token_request_invalid")
            tokens = await sessions.redeem_ticket(body.ticket, seen=seen_of(request))
        else:
            refresh_token = _refresh_of(request, body.refresh_token, browser)
            tokens = await sessions.refresh(refresh_token, seen=seen_of(request))
    except TokenRefusedError as exc:
        # A refresh token that no longer works leaves the browser: the problem clears the cookie.
        clear = browser and exc.code.startswith("auth.refresh_")
        headers = {"Set-Cookie": _cleared_cookie()} if clear else None
        raise ProblemError(STATUS[exc.code], exc.code, headers=headers) from exc
    return _answer(tokens, response, request, browser)


@router.post(
    "/auth/sign-out",
    status_code=204,
    summary="Revoke the refresh token's family",
    openapi_extra=_PUBLIC,
)
async def sign_out(body: SignOutIn, request: Request, response: Response) -> Response:
    browser = _browser(request)
    refresh_token = _refresh_of(request, body.refresh_token, browser)
    await sessions_of(request).sign_out(refresh_token, seen=seen_of(request))
    answer = Response(status_code=204)
    if browser:
        answer.delete_cookie(COOKIE, path=cookie_path())
    return answer


def install_jwks(app: FastAPI, cache: timedelta) -> None:
    """`GET /.well-known/jwks.json` at the root, where verifiers look for it."""

    @app.get("/.well-known/jwks.json", tags=["auth"], summary="The roster's token-signing keys")
    async def jwks(request: Request) -> Response:
        keys: SigningKeys = request.app.state.signing_keys
        answer = await keys.jwks()
        return Response(
            json.dumps(answer),
            media_type="application/json",
            headers={"Cache-Control": f"public, max-age={int(cache.total_seconds())}"},
        )
