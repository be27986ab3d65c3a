"""What the routes share: access to one directive, the acting grant, the clock, the pool and
where events go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import asyncpg
from fastapi import Request
from nazar_platform.auth.access import AccessDecision, Action, UnitDirectory, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, get_principal
from nazar_platform.http.idempotency import idempotent
from nazar_platform.http.problems import ProblemError
from nazar_platform.runtime.context import runtime_of

from directive.api.problems import problem
from directive.handlers.common import Actor, Topics
from directive.settings import DirectiveSettings
from directive.store import directives as store

IDEMPOTENT = idempotent(get_principal)


def settings_of(request: Request) -> DirectiveSettings:
    return cast(DirectiveSettings, runtime_of(request).settings)


def pool_of(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


def topics_of(request: Request) -> Topics:
    settings = settings_of(request)
    return Topics(events=settings.topic_events, alert_cases=settings.topic_alert_cases)


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
