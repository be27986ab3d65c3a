"""The directive API (`/api/v1`): routes only; use cases live in `directive.handlers`."""

from __future__ import annotations

from fastapi import APIRouter

from directive.api import (
    alert_board,
    attachments,
    campaigns,
    dev,
    directives,
    inbox,
    incidents,
    reach,
    relays,
    stories,
)

router = APIRouter()
for module in (
    alert_board,
    directives,
    relays,
    reach,
    campaigns,
    stories,
    inbox,
    attachments,
    incidents,
    dev,
):
    router.include_router(module.router)
