"""`GET /auth/events`: the sign-in audit (issue 16 item 7), newest first, for HQ (`audit.read`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from nazar_platform.auth.access import Action
from nazar_platform.http.access import require
from nazar_platform.http.pagination import Page, PageParams, page_params
from pydantic import BaseModel, Field

from roster.api.common import pool_of
from roster.handlers import auth_audit

router = APIRouter(tags=["auth"], dependencies=[Depends(require(Action.AUDIT_READ))])


class AuthEvent(BaseModel):
    id: int
    at: datetime
    kind: str = Field(
        description="code_sent, code_wrong, code_locked, signed_in, passkey_reset, ..."
    )
    member_id: str | None
    detail: dict[str, Any] = Field(description="never a phone number or a code")
    ip: str | None
    request_id: str | None


@router.get("/auth/events", summary="The sign-in audit, newest first")
async def auth_events(
    request: Request,
    page: Annotated[PageParams, Depends(page_params)],
    member: Annotated[str | None, Query(max_length=64, description="whose events")] = None,
    kind: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$")] = None,
) -> Page[AuthEvent]:
    found = await auth_audit.events(pool_of(request), member, kind, page.cursor, page.limit)
    return Page[AuthEvent](
        items=[AuthEvent(**e) for e in found.items], next_cursor=found.next_cursor
    )
