"""Request and response bodies of `/api/v1/social/*`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SocialAccount(BaseModel):
    account_id: str
    network: str = Field(description="x | facebook | instagram")
    name: str
    state: str = Field(description="active | stopped")
    stopped_code: str | None = Field(description="the provider's code that stopped it")
    stopped_reason: str | None = Field(description="why, in words the cell can act on")
    queue_depth: int = Field(description="posts not finished: queued, in flight, unclear")
    posts_today: int = Field(description="posted since midnight (NAZAR_SOCIAL_DAY_ZONE)")
    daily_cap: int | None
    quota_left: int | None = Field(
        description="posts it may still make now: the network's quota and our daily cap"
    )
    token_days_to_expiry: float | None


class SocialAccounts(BaseModel):
    accounts: list[SocialAccount]


class Attempt(BaseModel):
    n: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None = Field(
        description="posted | rate_limited | transient | unclear | refused | account"
        " | reconciled | not_found; none while the call is under way"
    )
    code: str | None
    reason: str | None


class WithdrawalTask(BaseModel):
    task_id: str
    reason: str
    opened_by: str
    opened_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    state: str


class SocialPost(BaseModel):
    post_id: str
    story_id: str
    network: str
    account_id: str
    state: str = Field(
        description="queued | in_flight | unclear | posted | failed | withdrawing"
        " | withdrawal_task | withdrawn"
    )
    scheduled_for: datetime | None
    next_attempt_at: datetime | None
    provider_post_id: str | None
    public_url: str | None
    thread_post_ids: list[str]
    last_code: str | None
    last_reason: str | None
    requested_at: datetime
    posted_at: datetime | None
    attempts: list[Attempt]
    withdrawal_task: WithdrawalTask | None
