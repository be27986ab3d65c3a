"""What the routes share: problem codes, domain errors as problem documents, access to one
directive, the acting grant, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nazar_platform.auth.access import AccessDecision, Action, UnitDirectory, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http import problem_messages
from nazar_platform.http.access import authorize, get_principal
from nazar_platform.http.idempotency import idempotent
from nazar_platform.http.problems import ProblemError, problem_response
from nazar_platform.runtime.context import runtime_of

from directive.domain.model import ConflictError, DomainError, InvalidRequestError, NotFoundError
from directive.handlers.common import Actor, Topics
from directive.settings import DirectiveSettings
from directive.store import directives as store

IDEMPOTENT = idempotent(get_principal)

_DOMAIN = {
    InvalidRequestError: (422, "directive.invalid_request"),
    ConflictError: (409, "directive.conflict"),
    NotFoundError: (404, "directive.not_found"),
}
for _code, _status, _en, _hi in (
    ("directive.invalid_request", 422, "Invalid request", "अमान्य अनुरोध"),
    ("directive.conflict", 409, "Not possible now", "अभी संभव नहीं"),
    ("directive.not_found", 404, "Not found", "नहीं मिला"),
    ("directive.attachment_refused", 422, "Attachment refused", "संलग्नक अस्वीकार"),
):
    problem_messages.register(
        _code,
        _status,
        title_en=_en,
        title_hi=_hi,
        detail_en="{detail_en}",
        detail_hi="{detail_hi}",
    )
problem_messages.register(
    "directive.link_invalid",
    404,
    title_en="This link is not valid",
    title_hi="यह लिंक मान्य नहीं है",
    detail_en="Open the message from the latest notice you received, or from the field app.",
    detail_hi="कृपया प्राप्त सूचना के नवीनतम लिंक या फ़ील्ड ऐप से संदेश खोलें।",
)
problem_messages.register(
    "directive.link_expired",
    410,
    title_en="This link has expired",
    title_hi="इस लिंक की अवधि समाप्त हो गई है",
    detail_en="The message is still in your inbox in the field app.",
    detail_hi="संदेश फ़ील्ड ऐप में आपके इनबॉक्स में अब भी उपलब्ध है।",
)


def problem(status: int, code: str, en: str, hi: str) -> ProblemError:
    return ProblemError(status, code, detail_params={"detail_en": en, "detail_hi": hi})


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, code = next(
        (v for k, v in _DOMAIN.items() if isinstance(exc, k)), (422, "directive.invalid_request")
    )
    return problem_response(
        request, status, code, detail_params={"detail_en": exc.detail, "detail_hi": exc.detail_hi}
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)


def settings_of(request: Request) -> DirectiveSettings:
    return cast(DirectiveSettings, runtime_of(request).settings)


def pool_of(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


def topics_of(request: Request) -> Topics:
    return Topics(events=settings_of(request).topic_events)


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def actor_of(principal: Principal, decision: AccessDecision) -> Actor:
    grant = decision.grant
    if grant is None:  # cannot happen for an allowed decision; be explicit rather than guess
        raise ProblemError(403, "access.forbidden", detail_params={"reason": "no grant"})
    return Actor(principal.member_id, str(grant.role), grant.unit_id)


async def directive_for(
    request: Request, principal: Principal, action: Action, directive_id: UUID
) -> tuple[store.DirectiveRow, list[str] | None]:
    """The directive, if the caller may `action` it: a grant at or above one of its districts
    (SP, IG, HQ), or inside one of its targeted circles (CO, SHO). Also the caller's scope units
    (None: everywhere) — what they see of it. 404 when it does not exist, 403 when not theirs."""
    pool = pool_of(request)
    async with pool.acquire() as conn:
        d = await store.get_directive(conn, directive_id)
        districts = [] if d is None else await store.districts_of(conn, directive_id)
    if d is None:
        raise problem(404, "directive.not_found", "no such directive", "ऐसा कोई निर्देश नहीं है")
    scope = scope_units(principal, action)
    if scope.everywhere:
        await authorize(request, principal, action)
        return d, None
    units: UnitDirectory = request.app.state.unit_directory
    mine: list[str] = []
    target: str | None = None
    for unit_id in sorted(scope.unit_ids):
        path = await units.path(unit_id)
        if path is None:
            continue
        for x in districts:
            district_path = await units.path(x.district_id) or [x.district_id]
            above = unit_id in district_path
            below = x.district_id in path and (
                x.circles is None or bool(set(x.circles) & set(path))
            )
            if above or below:
                mine.append(unit_id)
                target = target or (x.district_id if above else unit_id)
                break
    # Recorded for the audit either way; raises 403 when nothing of the directive is the caller's.
    await authorize(
        request,
        principal,
        action,
        unit_id=target or (districts[0].district_id if districts else None),
    )
    return d, mine


def bilingual(hi: str | None, en: str | None) -> dict[str, Any]:
    return {"hi": hi, "en": en}
