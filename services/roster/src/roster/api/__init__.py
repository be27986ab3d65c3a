"""The roster's HTTP API under /api/v1 (routes only; the use cases live in roster.handlers;
pages in `pages`, request and response bodies in `schemas`)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import Grant
from nazar_platform.http.dev_signin import dev_signin_router

from roster.api import (
    auth,
    auth_events,
    erasures,
    groups,
    import_rejected,
    import_reviews,
    imports,
    member_changes,
    members,
    oidc,
    passkeys,
    push_subscriptions,
    sign_in,
    tree,
    units,
)
from roster.api.common import pool_of
from roster.store import members as member_store


async def _grants_of(request: Request, member_id: str) -> Sequence[Grant] | None:
    """A member's postings are their grants (an additional charge is a second grant)."""
    postings = await member_store.grants(pool_of(request), member_id)
    return [Grant(Role(role), unit_id) for role, unit_id in postings] or None


def routers() -> list[APIRouter]:
    return [
        units.router,
        tree.router,
        members.router,
        erasures.router,
        member_changes.router,
        groups.router,
        imports.router,
        import_reviews.router,
        import_rejected.router,
        sign_in.router,
        auth.router,
        passkeys.router,
        push_subscriptions.router,
        auth_events.router,
        oidc.router,
        dev_signin_router(_grants_of),
    ]
