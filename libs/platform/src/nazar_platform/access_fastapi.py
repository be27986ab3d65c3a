"""FastAPI glue for tokens and the access table.

A service sets, in its lifespan:
    app.state.token_verifier   = TokenVerifier(AuthSettings())
    app.state.unit_directory   = <UnitDirectory over its read model>
    app.state.member_directory = <MemberDirectory>   (only if it checks member targets)

and in its routes:
    @router.get("/directives/{id}/reach")
    async def reach(id: str, request: Request,
                    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_READ))]):
        await authorize(request, principal, Action.DIRECTIVE_READ, unit_id=district_of(id))

`request.state.principal` and `request.state.access_decision` are what the audit middleware
records (who, which grant, what, which unit, outcome), for refusals as well as for what passed.

The problem codes raised here (`auth.*`, `access.forbidden`) are registered in the problem
catalogue when this module is imported, with their Hindi and English texts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nazar_platform.access import (
    AccessDecision,
    Action,
    MemberDirectory,
    UnitDirectory,
    check_role,
    decide,
)
from nazar_platform.auth import Principal, TokenError, TokenFailure, TokenVerifier
from nazar_platform.problem_messages import register
from nazar_platform.problems import ProblemError

REALM = "nazar"

register(
    "auth.missing_token",
    401,
    title_en="Sign-in required",
    title_hi="साइन इन आवश्यक है",
    detail_en="Sign in to continue: this request needs an access token.",
    detail_hi="आगे बढ़ने के लिए साइन इन करें: इस अनुरोध के लिए एक्सेस टोकन आवश्यक है।",
)
register(
    "auth.invalid_token",
    401,
    title_en="Invalid access token",
    title_hi="एक्सेस टोकन मान्य नहीं है",
    detail_en="Your access token is not valid. Please sign in again.",
    detail_hi="आपका एक्सेस टोकन मान्य नहीं है। कृपया फिर से साइन इन करें।",
)
register(
    "auth.token_expired",
    401,
    title_en="Session expired",
    title_hi="सत्र समाप्त हो गया है",
    detail_en="Your session has expired. Please sign in again.",
    detail_hi="आपका सत्र समाप्त हो गया है। कृपया फिर से साइन इन करें।",
)
register(
    "auth.keys_unavailable",
    503,
    title_en="Sign-in cannot be checked",
    title_hi="साइन-इन की जाँच नहीं हो पा रही है",
    detail_en="Sign-in cannot be checked right now. Please try again shortly.",
    detail_hi="अभी साइन-इन की जाँच नहीं हो पा रही है। कृपया थोड़ी देर बाद फिर प्रयास करें।",
)
register(
    "access.forbidden",
    403,
    title_en="Not allowed",
    title_hi="अनुमति नहीं है",
    detail_en="You are not allowed to do this here.",
    detail_hi="आपको यहाँ यह करने की अनुमति नहीं है।",
)

# auto_error=False: a missing token must become our problem document, not FastAPI's default 403.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A Nazar access token (JWT): `sub` is the member id, `grants` the (role, unit) "
    "pairs.",
)


def _challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if description:
        # RFC 6750 §3: the description is a quoted string without '"' or '\'.
        safe = "".join(c for c in description if c.isascii() and c.isprintable() and c not in '"\\')
        value += f', error_description="{safe}"'
    return {"WWW-Authenticate": value}


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    if credentials is None or not credentials.credentials:
        raise ProblemError(401, "auth.missing_token", headers=_challenge())
    token = credentials.credentials
    try:
        if verifier.fetches_keys:
            # A JWKS (re)fetch is blocking HTTP; keep it off the event loop.
            principal = await run_in_threadpool(verifier.verify, token)
        else:
            principal = verifier.verify(token)
    except TokenError as exc:
        if exc.code is TokenFailure.KEYS_UNAVAILABLE:
            raise ProblemError(503, "auth.keys_unavailable", headers={"Retry-After": "5"}) from exc
        key = "auth.token_expired" if exc.code is TokenFailure.EXPIRED else "auth.invalid_token"
        raise ProblemError(
            401,
            key,
            headers=_challenge("invalid_token", exc.message),
            extensions={"reason": str(exc.code)},
        ) from exc
    request.state.principal = principal
    return principal


Authorized = Annotated[Principal, Depends(get_principal)]


def _record(request: Request, principal: Principal, decision: AccessDecision) -> AccessDecision:
    request.state.principal = principal
    request.state.access_decision = decision
    if not decision.allowed:
        # Machine-readable members beside the translated texts (RFC 9457 extensions).
        raise ProblemError(
            403,
            "access.forbidden",
            extensions={"action": str(decision.action), "reason": str(decision.reason)},
        )
    return decision


def require(action: Action) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """A dependency: the caller's roles must include `action` at all (else 403).

    Target-specific checks (this unit, this member) follow in the handler via `authorize`.
    """

    async def dependency(request: Request, principal: Authorized) -> Principal:
        _record(request, principal, check_role(principal, action))
        return principal

    return dependency


async def authorize(
    request: Request,
    principal: Principal,
    action: Action,
    *,
    unit_id: str | None = None,
    member_id: str | None = None,
) -> AccessDecision:
    """Decide for this target with the app's directories; record the decision; 403 if refused."""
    units: UnitDirectory = request.app.state.unit_directory
    members: MemberDirectory | None = getattr(request.app.state, "member_directory", None)
    decision = await decide(
        principal, action, unit_id=unit_id, member_id=member_id, units=units, members=members
    )
    return _record(request, principal, decision)
