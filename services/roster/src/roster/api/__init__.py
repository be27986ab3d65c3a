"""The roster's HTTP API under /api/v1 (routes only; the use cases live in roster.handlers)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import Grant
from nazar_platform.http.dev_signin import dev_signin_router

from roster.api import groups, import_reviews, imports, members, units
from roster.api.common import pool_of


async def _grants_of(request: Request, member_id: str) -> Sequence[Grant] | None:
    """A member's postings are their grants (an additional charge is a second grant)."""
    rows = await pool_of(request).fetch(
        """SELECT p.role, p.unit_id FROM postings p JOIN members m ON m.member_id = p.member_id
           WHERE p.member_id = $1 AND m.active AND m.erased_at IS NULL
           ORDER BY p.is_primary DESC, p.role""",
        member_id,
    )
    return [Grant(Role(r["role"]), r["unit_id"]) for r in rows] or None


def routers() -> list[APIRouter]:
    return [
        units.router,
        members.router,
        groups.router,
        imports.router,
        import_reviews.router,
        dev_signin_router(_grants_of),
    ]
