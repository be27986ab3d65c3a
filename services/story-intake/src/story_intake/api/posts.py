"""A published post taken down, and the official accounts' state, for the PHQ cell.

Withdrawing and confirming an Instagram deletion want `story.approve` (the approval's rule: SP
PHQ Crime, ADG Crime; `domain/posts.py` holds them to `chain.APPROVERS`), take an
Idempotency-Key like every POST, and are audited through the grant they were done with. The
stopped accounts are read by the PHQ cell (whoever reads the versions) for the console's banner.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from pydantic import BaseModel, Field

from story_intake.api.schemas import AccountOut, AccountsOut, PostOut
from story_intake.api.stories import (
    Claim,
    Reviewer,
    _actors,
    _audit_as,
    _now,
    _pool,
    _refusals,
    post_out,
)
from story_intake.handlers import withdrawals as handlers
from story_intake.store.accounts import AccountRow

router = APIRouter(tags=["publishing"])
Approver = Annotated[Principal, Depends(require(Action.STORY_APPROVE))]


class WithdrawIn(BaseModel):
    reason: Annotated[str, Field(max_length=2_000)] | None = Field(
        default=None, description="why the post is taken down (required; kept in the history)"
    )


@router.post(
    "/stories/{story_id}/posts/{post_id}/withdraw",
    summary="Take a published post down, with a reason (approver)",
)
async def withdraw_post(
    story_id: uuid.UUID,
    post_id: uuid.UUID,
    body: WithdrawIn,
    request: Request,
    principal: Approver,
    _: Claim,
) -> PostOut:
    with _refusals():
        done = await handlers.withdraw(
            _pool(request), story_id, post_id, _actors(principal), body.reason, _now()
        )
    _audit_as(request, done.actor, done.story)
    return post_out(done.post)


@router.post(
    "/stories/{story_id}/posts/{post_id}/withdrawal/confirm",
    summary="Confirm an Instagram post was deleted by hand in the app (approver)",
)
async def confirm_withdrawal(
    story_id: uuid.UUID, post_id: uuid.UUID, request: Request, principal: Approver, _: Claim
) -> PostOut:
    with _refusals():
        done = await handlers.confirm(_pool(request), story_id, post_id, _actors(principal), _now())
    _audit_as(request, done.actor, done.story)
    return post_out(done.post)


@router.get("/publish/accounts", summary="The official accounts stopped now (the PHQ cell)")
async def stopped_accounts(request: Request, principal: Reviewer) -> AccountsOut:
    with _refusals():
        rows = await handlers.stopped_accounts(_pool(request), _actors(principal))
    return AccountsOut(items=[_account(a) for a in rows])


def _account(a: AccountRow) -> AccountOut:
    return AccountOut.model_validate(
        {
            "account_id": a.account_id, "channel": a.channel, "name": a.name, "state": a.state,
            "reason": a.reason, "provider_code": a.provider_code, "since": a.since,
        }
    )  # fmt: skip
