"""/auth/codes: phone sign-in, the code steps (issue 16 item 1). Unauthenticated by nature: the
route class `sign_in` limits each client address before anything runs, the use case limits each
number and everyone, and the answers never tell whether a number is on the roster."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from nazar_platform.http.edge import SIGN_IN, route_class
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, ConfigDict, Field

from roster.api.common import seen_of
from roster.domain.phones import InvalidPhoneError, normalise
from roster.domain.sign_in import Verdict
from roster.handlers import sign_in_codes as handlers
from roster.handlers.sign_in_codes import CodeRefusedError, RateLimitedError, SignInCodes

router = APIRouter(tags=["sign-in"])
_PUBLIC = route_class(SIGN_IN)


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=1, max_length=32, examples=["98290 12345"])]
    channel: Literal["whatsapp", "sms"] | None = Field(
        default=None, description="the channel asked for, when the number is on it"
    )


class CodeRequested(BaseModel):
    sign_in_id: uuid.UUID
    expires_at: datetime
    expires_in: int = Field(description="seconds the code is valid")


class CodeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sign_in_id: uuid.UUID
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["048213"])]


class TicketOut(BaseModel):
    ticket: str = Field(description="one-time, exchanged for tokens at /api/v1/auth/token")
    ticket_expires_at: datetime
    needs_passkey: bool = Field(description="the member's grants call for a passkey next")


_REFUSALS: dict[Verdict, tuple[int, str]] = {
    Verdict.WRONG: (401, "auth.code_wrong"),
    Verdict.LOCKED: (403, "auth.code_locked"),
    Verdict.EXPIRED: (410, "auth.code_expired"),
    Verdict.USED: (409, "auth.code_used"),
    Verdict.UNKNOWN: (404, "auth.sign_in_unknown"),
}


def _codes(request: Request) -> SignInCodes:
    codes: SignInCodes = request.app.state.sign_in_codes
    return codes


@router.post(
    "/auth/codes",
    status_code=202,
    summary="Send a sign-in code to this phone (the same answer for any number)",
    openapi_extra=_PUBLIC,
)
async def ask_for_code(body: CodeRequest, request: Request) -> CodeRequested:
    try:
        phone = normalise(body.phone)
    except InvalidPhoneError:
        raise ProblemError(422, "auth.phone_invalid") from None
    seen = seen_of(request)
    try:
        sent = await handlers.request_code(
            _codes(request), phone, seen.ip, body.channel, request_id=seen.request_id
        )
    except RateLimitedError as exc:
        raise ProblemError(
            429,
            "auth.too_many",
            detail_params={"retry_after": exc.retry_after},
            headers={"Retry-After": str(exc.retry_after)},
            extensions={"limit": exc.what},
        ) from None
    left = int((sent.expires_at - datetime.now(sent.expires_at.tzinfo)).total_seconds())
    return CodeRequested(sign_in_id=sent.sign_in_id, expires_at=sent.expires_at, expires_in=left)


@router.post(
    "/auth/codes/verify",
    summary="Check the code; a right one gives a one-time ticket for the tokens",
    openapi_extra=_PUBLIC,
)
async def check_code(body: CodeCheck, request: Request) -> TicketOut:
    try:
        ticket = await handlers.verify_code(
            _codes(request), body.sign_in_id, body.code, seen_of(request)
        )
    except CodeRefusedError as exc:
        status, code = _REFUSALS[exc.verdict]
        raise ProblemError(
            status,
            code,
            detail_params={"attempts_left": exc.attempts_left},
            extensions={"attempts_left": exc.attempts_left},
        ) from None
    return TicketOut(
        ticket=ticket.ticket,
        ticket_expires_at=ticket.expires_at,
        needs_passkey=ticket.needs_passkey,
    )
