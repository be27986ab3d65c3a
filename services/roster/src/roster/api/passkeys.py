"""Passkeys (issue 16 item 3): the passkey step of sign-in (with the ticket of a verified code),
a signed-in member's own passkeys, and the reset of a lost one by an officer.

The sign-in steps are unauthenticated like the code steps (route class `sign_in`): the ticket is
the credential. Options are WebAuthn's own JSON (`options_to_json`); the answer is what
`credential.toJSON()` gives in the browser.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from nazar_platform.auth.access import Action, Reason
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import Authorized, authorize, require
from nazar_platform.http.edge import SIGN_IN, route_class
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, ConfigDict, Field
from webauthn.helpers import base64url_to_bytes

from roster.api.common import seen_of
from roster.domain.passkeys import encode_id
from roster.handlers import passkeys as handlers
from roster.handlers.passkeys import PasskeyRefusedError, Passkeys

router = APIRouter(tags=["passkeys"])
_PUBLIC = route_class(SIGN_IN)
# Problem status of each refusal (texts in api/problems.py).
STATUS = {
    "auth.ticket_invalid": 400,
    "auth.ticket_used": 400,
    "auth.ticket_expired": 400,
    "auth.passkey_failed": 401,
    "auth.passkey_no_challenge": 409,
    "auth.passkey_expired": 410,
    "auth.passkey_exists": 409,
}
# Statuses the platform does not document on every operation (problems.document_problems).
_PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}
_EXPIRED: dict[int | str, dict[str, Any]] = {
    410: {"description": "Problem document (RFC 9457); code: `auth.passkey_expired`", **_PROBLEM}
}
_LAST: dict[int | str, dict[str, Any]] = {
    409: {"description": "Problem document (RFC 9457); code: `auth.passkey_last`", **_PROBLEM}
}
_Ticket = Annotated[str, Field(min_length=16, max_length=256)]
# A credential.toJSON(): a few base64url fields; 64 KiB is far above any real authenticator's.
_Credential = Annotated[dict[str, Any], Field(description="PublicKeyCredential.toJSON()")]


class OptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket: _Ticket


class OptionsOut(BaseModel):
    mode: Literal["register", "authenticate"] = Field(
        description="register: the member has no passkey yet; authenticate: prove one"
    )
    options: dict[str, Any] = Field(
        description="PublicKeyCredentialCreationOptions or ...RequestOptions as JSON"
    )


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket: _Ticket
    credential: _Credential


class VerifiedOut(BaseModel):
    ticket: str = Field(description="one-time, exchanged for tokens at /api/v1/auth/token")
    ticket_expires_at: datetime
    needs_passkey: bool = Field(description="false: the passkey step is done")


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    credential: _Credential


class PasskeyOut(BaseModel):
    credential_id: str = Field(description="base64url, as WebAuthn's JSON writes it")
    transports: list[str]
    created_at: datetime
    last_used_at: datetime | None


class ResetOut(BaseModel):
    member_id: str
    removed: int = Field(description="passkeys removed; the next sign-in registers a new one")


def passkeys_of(request: Request) -> Passkeys:
    keys: Passkeys = request.app.state.passkeys
    return keys


def _refused(exc: PasskeyRefusedError) -> ProblemError:
    extensions = {"reason": str(exc.failure)} if exc.failure else None
    return ProblemError(STATUS[exc.code], exc.code, extensions=extensions)


@router.post(
    "/auth/passkeys/options",
    summary="Sign-in, after the code: WebAuthn options to register or use the member's passkey",
    openapi_extra=_PUBLIC,
)
async def sign_in_options(body: OptionsIn, request: Request, response: Response) -> OptionsOut:
    response.headers["Cache-Control"] = "no-store"
    try:
        found = await handlers.sign_in_options(passkeys_of(request), body.ticket)
    except PasskeyRefusedError as exc:
        raise _refused(exc) from None
    return OptionsOut(mode=found.mode.value, options=found.options)


@router.post(
    "/auth/passkeys/verify",
    summary="Sign-in: the authenticator's answer; a ticket /auth/token accepts",
    openapi_extra=_PUBLIC,
    responses=_EXPIRED,
)
async def sign_in_verify(body: VerifyIn, request: Request, response: Response) -> VerifiedOut:
    response.headers["Cache-Control"] = "no-store"
    try:
        done = await handlers.sign_in_verify(
            passkeys_of(request), body.ticket, body.credential, seen_of(request)
        )
    except PasskeyRefusedError as exc:
        raise _refused(exc) from None
    return VerifiedOut(ticket=done.ticket, ticket_expires_at=done.expires_at, needs_passkey=False)


@router.get("/auth/passkeys", summary="The caller's own passkeys")
async def own_passkeys(request: Request, principal: Authorized) -> list[PasskeyOut]:
    rows = await handlers.listing(passkeys_of(request), principal.member_id)
    return [
        PasskeyOut(
            credential_id=encode_id(r["credential_id"]),
            transports=list(r["transports"]),
            created_at=r["created_at"],
            last_used_at=r["last_used_at"],
        )
        for r in rows
    ]


@router.post("/auth/passkeys/register/options", summary="Options to add a passkey of one's own")
async def register_options(request: Request, principal: Authorized) -> OptionsOut:
    options = await handlers.account_options(passkeys_of(request), principal.member_id)
    return OptionsOut(mode="register", options=options)


@router.post(
    "/auth/passkeys/register/verify",
    status_code=201,
    summary="Add the passkey just created",
    responses=_EXPIRED,
)
async def register_verify(body: RegisterIn, request: Request, principal: Authorized) -> PasskeyOut:
    keys = passkeys_of(request)
    try:
        credential_id = await handlers.account_register(
            keys, principal.member_id, body.credential, seen_of(request)
        )
    except PasskeyRefusedError as exc:
        raise _refused(exc) from None
    [added] = [
        r for r in await handlers.listing(keys, principal.member_id)
        if r["credential_id"] == credential_id
    ]  # fmt: skip
    return PasskeyOut(
        credential_id=encode_id(credential_id),
        transports=list(added["transports"]),
        created_at=added["created_at"],
        last_used_at=added["last_used_at"],
    )


def _credential_id(text: str) -> bytes:
    try:
        raw = base64url_to_bytes(text)
    except ValueError:
        raw = b""
    if not raw or len(text) > 1366:  # WebAuthn ids are at most 1,023 bytes
        raise ProblemError(404, "auth.passkey_not_found")
    return raw


@router.delete(
    "/auth/passkeys/{credential_id}",
    status_code=204,
    summary="Remove one of one's own passkeys",
    responses=_LAST,
)
async def remove_passkey(credential_id: str, request: Request, principal: Authorized) -> Response:
    raw = _credential_id(credential_id)
    try:
        removed = await handlers.remove(
            passkeys_of(request), principal.member_id, raw, seen_of(request)
        )
    except handlers.LastPasskeyError:
        raise ProblemError(409, "auth.passkey_last") from None
    if not removed:
        raise ProblemError(404, "auth.passkey_not_found")
    return Response(status_code=204)


@router.delete(
    "/members/{member_id}/passkeys",
    summary="Reset a member's lost passkey: their next sign-in registers a new one",
)
async def reset_passkeys(
    member_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.PASSKEY_RESET))],
) -> ResetOut:
    if member_id == principal.member_id:
        raise ProblemError(403, "auth.passkey_reset_own")
    decision = await authorize(request, principal, Action.PASSKEY_RESET, member_id=member_id)
    keys = passkeys_of(request)
    grant = decision.grant
    # A district's SP resets the members below the district, not a peer posted at it (another
    # SP or DCP there): that is HQ's, whose grants are state-wide.
    subtree = grant.unit_id if grant and decision.reason == Reason.WITHIN_SUBTREE else None
    if subtree is not None and subtree in await handlers.posting_units(keys, member_id):
        request.state.access_decision = replace(
            decision, allowed=False, grant=None, reason=Reason.OUTSIDE_SCOPE
        )
        raise ProblemError(
            403, "access.forbidden", extensions={"action": str(Action.PASSKEY_RESET)}
        )
    removed = await handlers.reset(
        keys,
        member_id,
        by=principal.member_id,
        grant=str(grant) if grant else None,
        seen=seen_of(request),
    )
    return ResetOut(member_id=member_id, removed=removed)
