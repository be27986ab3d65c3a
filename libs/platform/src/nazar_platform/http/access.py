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

The problem codes raised here (`auth.not_signed_in`, `auth.keys_unavailable`,
`access.forbidden`) are registered in the problem catalogue when this module is imported, with
their Hindi and English texts. A verified caller's request also costs their rate-limit budget
(`nazar_platform.http.ratelimit.check_principal`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from nazar_platform.auth.access import (
    AccessDecision,
    Action,
    MemberDirectory,
    UnitDirectory,
    check_role,
    decide,
)
from nazar_platform.auth.tokens import Principal, TokenError, TokenFailure, TokenVerifier
from nazar_platform.http.problem_messages import register
from nazar_platform.http.problems import REFUSAL_REASON_STATE, ProblemError
from nazar_platform.http.ratelimit import check_principal

REALM = "nazar"

# A 401 or 403 says only "not signed in" or "not allowed": the precise reason (an expired token, a
# key confusion, an unknown key id, outside the caller's scope) would tell an attacker which
# forgery came closest. It goes to `request.state` for the audit's refusal counts and its log line.
register(
    "auth.not_signed_in",
    401,
    title_en="Not signed in",
    title_hi="साइन इन नहीं है",
    detail_en="Sign in to continue.",
    detail_hi="आगे बढ़ने के लिए साइन इन करें।",
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
    detail_en="You are not allowed to do this.",
    detail_hi="आपको यह करने की अनुमति नहीं है।",
)

# auto_error=False: a missing token must become our problem document, not FastAPI's default 403.
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A Nazar access token (JWT): `sub` is the member id, `grants` the (role, unit) "
    "pairs.",
)


def _challenge(error: str | None = None) -> dict[str, str]:
    # RFC 6750 §3; no error_description: it would name the precise failure.
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def not_signed_in(request: Request, reason: str, error: str | None = None) -> ProblemError:
    """The 401 problem; `reason` is kept for the audit and the log, not shown."""
    setattr(request.state, REFUSAL_REASON_STATE, reason)
    return ProblemError(401, "auth.not_signed_in", headers=_challenge(error))


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    if credentials is None or not credentials.credentials:
        raise not_signed_in(request, "missing_token")
    token = credentials.credentials
    try:
        if verifier.fetches_keys_for(token):
            # A JWKS (re)fetch is blocking HTTP; keep it off the event loop.
            principal = await run_in_threadpool(verifier.verify, token)
        else:
            principal = verifier.verify(token)
    except TokenError as exc:
        if exc.code is TokenFailure.KEYS_UNAVAILABLE:
            raise ProblemError(503, "auth.keys_unavailable", headers={"Retry-After": "5"}) from exc
        raise not_signed_in(request, str(exc.code), "invalid_token") from exc
    request.state.principal = principal
    check_principal(request, principal.member_id)
    return principal


Authorized = Annotated[Principal, Depends(get_principal)]


def _record(
    request: Request,
    principal: Principal,
    decision: AccessDecision,
    refused: str = "access.forbidden",
) -> AccessDecision:
    request.state.principal = principal
    request.state.access_decision = decision
    if not decision.allowed:
        # The decision (action, reason) is on request.state for the audit; the body says no more
        # than the service's `refused` problem (by default "not allowed").
        raise ProblemError(403, refused)
    return decision


class RoleGate:
    """The dependency `require` returns: the caller's roles must include `action` at all.

    A class rather than a closure so that what guards a route can be read off the app: the
    security suite walks every route's dependencies and finds each `RoleGate.action`
    (tests/security/routes.py), so a new route is in the authorization matrix by itself."""

    def __init__(self, action: Action, refused: str = "access.forbidden") -> None:
        self.action = action
        self.refused = refused

    def __repr__(self) -> str:
        return f"RoleGate({self.action.value!r})"

    async def __call__(self, request: Request, principal: Authorized) -> Principal:
        _record(request, principal, check_role(principal, self.action), self.refused)
        return principal


def require(action: Action, *, refused: str = "access.forbidden") -> RoleGate:
    """A dependency: the caller's roles must include `action` at all (else 403, the problem
    `refused`: a service may name who may, e.g. who issues state-wide directives).

    Target-specific checks (this unit, this member) follow in the handler via `authorize`.
    """
    return RoleGate(action, refused)


async def authorize(
    request: Request,
    principal: Principal,
    action: Action,
    *,
    unit_id: str | None = None,
    member_id: str | None = None,
    refused: str = "access.forbidden",
) -> AccessDecision:
    """Decide for this target with the app's directories; record the decision; 403 (the problem
    `refused`) if refused."""
    units: UnitDirectory = request.app.state.unit_directory
    members: MemberDirectory | None = getattr(request.app.state, "member_directory", None)
    decision = await decide(
        principal, action, unit_id=unit_id, member_id=member_id, units=units, members=members
    )
    return _record(request, principal, decision, refused)
