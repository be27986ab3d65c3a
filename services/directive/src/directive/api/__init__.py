"""The directive API (`/api/v1`): routes only; use cases live in `directive.handlers`."""

from __future__ import annotations

from fastapi import APIRouter

from directive.api import attachments, directives, inbox, reach, relays

router = APIRouter()
for module in (directives, relays, reach, inbox, attachments):
    router.include_router(module.router)
