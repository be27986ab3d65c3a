"""`/api/v1/social/*`: the official accounts and their posts as the queue sees them (Action
`channels.read`: PHQ staff and the social media cell)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from nazar_platform.auth.access import Action
from nazar_platform.http.access import require
from nazar_platform.http.problems import ProblemError

from social_publisher.api import social_schemas as schemas
from social_publisher.domain.quota import day_start, quota_left
from social_publisher.store import accounts as account_store
from social_publisher.store import posts as post_store
from social_publisher.store import withdrawals

router = APIRouter(tags=["social"])
READ = [Depends(require(Action.CHANNELS_READ))]


@router.get("/social/accounts", response_model=schemas.SocialAccounts, dependencies=READ)
async def accounts(request: Request) -> schemas.SocialAccounts:
    """Each account: whether it posts (or why it stopped), its queue, today's posts against its
    cap, the quota left and its token's days to expiry."""
    pool: asyncpg.Pool = request.app.state.runtime.pool
    zone: str = request.app.state.settings.social_day_zone
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        depths = await post_store.queue_depths(conn)
        found = await account_store.all_accounts(conn)
        today = {
            a.account_id: await post_store.posted_since(conn, a.account_id, day_start(now, zone))
            for a in found
        }
    social = request.app.state.social
    out = []
    for a in found:
        days = a.days_to_expiry(now)
        out.append(
            schemas.SocialAccount(
                account_id=a.account_id,
                network=str(a.network),
                name=a.name,
                state="stopped" if a.stopped else "active",
                stopped_code=a.stopped_code,
                stopped_reason=a.stopped_reason,
                queue_depth=depths.get(a.account_id, 0),
                posts_today=today[a.account_id],
                daily_cap=a.daily_cap,
                quota_left=quota_left(
                    social.network_remaining(a.account_id), a.daily_cap, today[a.account_id]
                ),
                token_days_to_expiry=None if days is None else round(days, 2),
            )
        )
    return schemas.SocialAccounts(accounts=out)


@router.get("/social/posts/{post_id}", response_model=schemas.SocialPost, dependencies=READ)
async def post(
    request: Request, post_id: str = Path(min_length=1, max_length=128)
) -> schemas.SocialPost:
    """One post: its state, every attempt with the network's code, its withdrawal task."""
    pool: asyncpg.Pool = request.app.state.runtime.pool
    async with pool.acquire() as conn:
        found = await post_store.get(conn, post_id)
        if found is None:
            raise ProblemError(404, "social_post_unknown", detail_params={"post_id": post_id})
        tried = await post_store.attempts(conn, post_id)
        task = await withdrawals.for_post(conn, post_id)
    return schemas.SocialPost(
        post_id=found.post_id,
        story_id=found.story_id,
        network=found.network,
        account_id=found.account_id,
        state=str(found.state),
        scheduled_for=found.scheduled_for,
        next_attempt_at=found.next_attempt_at,
        provider_post_id=found.provider_post_id,
        public_url=found.public_url,
        thread_post_ids=list(found.thread_post_ids),
        last_code=found.last_code,
        last_reason=found.last_reason,
        requested_at=found.requested_at,
        posted_at=found.posted_at,
        attempts=[
            schemas.Attempt(
                n=a.n,
                started_at=a.started_at,
                ended_at=a.ended_at,
                outcome=a.outcome,
                code=a.code,
                reason=a.reason,
            )
            for a in tried
        ],
        withdrawal_task=None
        if task is None
        else schemas.WithdrawalTask(
            task_id=task.task_id,
            reason=task.reason,
            opened_by=task.opened_by,
            opened_at=task.opened_at,
            confirmed_by=task.confirmed_by,
            confirmed_at=task.confirmed_at,
            state=task.state,
        ),
    )
