"""What the route modules share: the use-case object, access checks that do not raise, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from fastapi import Request
from nazar_platform.auth.access import Action, decide, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import get_principal
from nazar_platform.http.idempotency import idempotent
from nazar_platform.http.pagination import Int32, Page, decode_cursor, encode_cursor
from nazar_platform.http.problems import ProblemError

from roster.handlers.context import Roster, Seen

T = TypeVar("T")
IDEMPOTENT = idempotent(get_principal)


def roster_of(request: Request) -> Roster:
    roster: Roster = request.app.state.roster
    return roster


def pool_of(request: Request) -> asyncpg.Pool:
    return roster_of(request).pool


async def may(
    request: Request,
    principal: Principal,
    action: Action,
    *,
    unit_id: str | None = None,
    member_id: str | None = None,
) -> bool:
    """The access decision for one target, recorded for the audit trail, without raising."""
    decision = await decide(
        principal,
        action,
        unit_id=unit_id,
        member_id=member_id,
        units=request.app.state.unit_directory,
        members=request.app.state.member_directory,
    )
    request.state.principal = principal
    request.state.access_decision = decision
    return decision.allowed


def forbidden(action: Action) -> ProblemError:
    return ProblemError(
        403, "access.forbidden", extensions={"action": str(action), "reason": "outside_scope"}
    )


def not_found(code: str, **params: Any) -> ProblemError:
    return ProblemError(404, code, detail_params=params)


def unit_scope(principal: Principal, action: Action) -> tuple[list[str] | None, list[str]]:
    """(units whose subtrees the caller may see, None meaning everywhere; member ids of self)."""
    scope = scope_units(principal, action)
    if scope.everywhere:
        return None, []
    return sorted(scope.unit_ids), [scope.member_id] if scope.member_id else []


def after_cursor(cursor: str | None, kind: type = str) -> Any:
    # The roster's integer sort keys (row numbers) are `integer` columns: a wider value in a
    # cursor is a 400, not a value the driver cannot send.
    return None if cursor is None else decode_cursor(cursor, (Int32 if kind is int else kind,))[0]


def page_of(rows: Sequence[Any], limit: int, key: str, item: Callable[[Any], T]) -> Page[T]:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page[T](
        items=[item(r) for r in rows],
        next_cursor=encode_cursor([rows[-1][key]]) if more and rows else None,
    )


def seen_of(request: Request) -> Seen:
    """The client address and request id, for the sign-in audit."""
    return Seen(
        ip=request.client.host if request.client else None,
        request_id=getattr(request.state, "request_id", None),
    )
