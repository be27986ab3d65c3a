"""The queue's use cases on one post: admit it, record an attempt before its call, record the
answer with its result event, reconcile an unclear call. Each owns its transaction; the answer
and its event commit together (the outbox)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nazar_contracts.publish import Overflow, PublishRequested, WithdrawalMethod
from nazar_platform import db, outbox

from social_publisher.adapters.social import AccountLimits
from social_publisher.domain import posts as rules
from social_publisher.domain import quota as limits_rules
from social_publisher.domain import x_text
from social_publisher.domain.accounts import Account
from social_publisher.domain.posts import MediaRef, Outcome, Post, PostState, Reaction
from social_publisher.domain.quota import Scheduling, hand_over
from social_publisher.domain.social import Network, Published, SocialError
from social_publisher.handlers import media, post_events, tokens
from social_publisher.handlers.context import Context
from social_publisher.store import accounts as account_store
from social_publisher.store import posts as store

# Networks whose client publishes at a given time itself (Facebook's scheduled posts).
SCHEDULING_NETWORKS = frozenset({Network.FACEBOOK})


@dataclass(frozen=True)
class _Ref:
    post_id: str
    story_id: str
    network: str
    account_id: str | None


def retry_rules(ctx: Context) -> rules.RetryRules:
    s = ctx.settings
    return rules.RetryRules(
        base=s.social_retry_base,
        cap=s.social_retry_cap,
        max_attempts=s.social_retry_max_attempts,
        jitter=s.social_retry_jitter,
    )


def scheduling(ctx: Context, network: str) -> Scheduling | None:
    if network not in SCHEDULING_NETWORKS:
        return None
    return Scheduling(ctx.settings.social_schedule_min_lead, ctx.settings.social_schedule_max_lead)


def account_for(ctx: Context, network: str) -> str | None:
    """The account a network's posts go to: `social_default_accounts`, else the network's first
    configured account."""
    chosen = ctx.settings.social_default_accounts.get(network)
    if chosen:
        return chosen
    return next((a.account_id for a in ctx.settings.social_accounts if a.network == network), None)


async def quota_resets_at(
    ctx: Context, account_id: str, limits: AccountLimits, now: datetime
) -> datetime | None:
    """When the network's quota frees, by what it said or, for a used-up rolling quota it gives
    no time for (Instagram), by when our own posts leave its window."""
    if limits.remaining != 0 or limits.resets_at is not None or limits.quota_window is None:
        return limits.resets_at
    async with ctx.pool.acquire() as conn:
        posted = await store.posted_times_since(
            conn, account_id, now - limits.quota_window, (limits.quota_total or 0) * 2
        )
    return limits_rules.rolling_quota_frees_at(limits.quota_total, limits.quota_window, posted)


async def admit(ctx: Context, conn: db.Connection, req: PublishRequested) -> bool:
    """Queue a requested post on its account (inside the consumer's transaction). False when the
    post id is known (a replay) or no account serves the network (failed back to the cell)."""
    now = datetime.now(UTC)
    account_id = account_for(ctx, req.channel)
    if account_id is None or await account_store.get(conn, account_id) is None:
        # Nothing to queue it on: the cell hears at once rather than the post waiting for good.
        ref = _Ref(req.post_id, req.story_id, str(req.channel), None)
        reason = f"No {req.channel} account is configured for the publisher; ask the administrator."
        await outbox.enqueue(
            conn,
            [
                post_events.failed(
                    ctx.settings, ref, reason=reason, code=None, retryable=False, at=now, attempt=0
                )
            ],
        )
        return False
    wait, _ = hand_over(req.scheduled_for, now, scheduling(ctx, req.channel))
    return await store.insert(
        conn,
        post_id=req.post_id,
        story_id=req.story_id,
        network=req.channel,
        account_id=account_id,
        text=req.text,
        overflow=str(req.overflow or Overflow.REFUSE),
        media=[
            MediaRef(m.sha256, m.size, m.media_type, m.url, m.url_expires_at, m.alt_text)
            for m in req.media
        ],
        scheduled_for=req.scheduled_for,
        next_attempt_at=wait,
        requested_at=req.requested_at,
    )


async def begin_attempt(ctx: Context, post_id: str) -> int | None:
    """Record the attempt and COMMIT it before the call: if the process dies during the call,
    the open attempt is found at start and reconciled, never blindly retried. None when the post
    is no longer queued (another step took it)."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        current = await store.get(conn, post_id, lock=True)
        if current is None or current.state is not PostState.QUEUED:
            return None
        n = current.attempts + 1
        rules.move(current.state, PostState.IN_FLIGHT)
        await store.begin_attempt(conn, post_id, n, now)
    return n


async def _posted(
    ctx: Context,
    conn: db.Connection,
    post: Post,
    *,
    n: int,
    outcome: Outcome,
    provider_post_id: str,
    public_url: str | None,
    thread_post_ids: tuple[str, ...],
    now: datetime,
) -> None:
    await store.end_attempt(
        conn, post.post_id, n, outcome=str(outcome), code=None, reason=None, at=now
    )
    await store.set_posted(
        conn,
        post.post_id,
        provider_post_id=provider_post_id,
        public_url=public_url,
        thread_post_ids=thread_post_ids,
        at=now,
    )
    await outbox.enqueue(
        conn,
        [
            post_events.posted(
                ctx.settings,
                post,
                provider_post_id=provider_post_id,
                public_url=public_url,
                thread_post_ids=thread_post_ids,
                at=now,
            )
        ],
    )
    await media.release(conn, post.post_id, now)
    current = await store.get(conn, post.post_id)
    if current is not None and current.withdraw_reason is not None:
        # The cell withdrew it while the call was under way: take it down next.
        await store.set_state(conn, post.post_id, PostState.WITHDRAWING, next_attempt_at=now)


async def record_published(ctx: Context, post: Post, n: int, published: Published) -> None:
    """The network accepted the post: the answer and PublishPosted commit together."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await _posted(
            ctx,
            conn,
            post,
            n=n,
            outcome=Outcome.POSTED,
            provider_post_id=published.provider_post_id,
            public_url=published.public_url,
            thread_post_ids=published.thread_post_ids,
            now=now,
        )


async def record_error(
    ctx: Context, post: Post, n: int, error: SocialError, account: Account
) -> Reaction:
    """The network's error, what it does to the post (domain.posts.react) and, when the post
    fails or the account stops, its event — one transaction."""
    now = datetime.now(UTC)
    reaction = rules.react(
        error,
        retries=post.retries,
        now=now,
        rules=retry_rules(ctx),
        rand=random.random(),  # noqa: S311 - jitter, not a secret
    )
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.end_attempt(
            conn,
            post.post_id,
            n,
            outcome=str(reaction.outcome),
            code=error.code,
            reason=error.reason,
            at=now,
            container_id=error.container_id,
        )
        await store.set_state(
            conn,
            post.post_id,
            reaction.state,
            retries=reaction.retries,
            next_attempt_at=reaction.next_attempt_at,
            code=error.code,
            reason=error.reason,
            retryable=reaction.retryable if reaction.fail else None,
        )
        if error.thread_post_ids:
            # An X thread failed midway: the parts out are never posted again.
            await store.set_thread_parts(conn, post.post_id, error.thread_post_ids)
        if reaction.fail:
            event = post_events.failed(
                ctx.settings,
                post,
                reason=error.reason,
                code=error.code,
                retryable=reaction.retryable,
                at=now,
                attempt=n,
            )
            await outbox.enqueue(conn, [event])
            await media.release(conn, post.post_id, now)
            current = await store.get(conn, post.post_id)
            if current is not None and current.withdraw_reason is not None:
                # Withdrawn during the call, which failed: nothing is public, the withdrawal done.
                await store.set_state(conn, post.post_id, PostState.WITHDRAWN)
                done = post_events.withdrawn(
                    ctx.settings, post, method=WithdrawalMethod.API, confirmed_by=None, at=now
                )
                await outbox.enqueue(conn, [done])
        if reaction.stop_account:
            await stop_account(ctx, conn, account, error, now)
    return reaction


async def stop_account(
    ctx: Context, conn: db.Connection, account: Account, error: SocialError, now: datetime
) -> bool:
    """Stop the account once: only the call that stops it tells the cell (PublishAccountStopped,
    handlers.tokens.stop_account, as a failed refresh does)."""
    return await tokens.stop_account(
        conn,
        account,
        code=error.code,
        reason=error.reason,
        topic=ctx.settings.topic_publish_results,
        at=now,
    )


async def stop_account_now(ctx: Context, account: Account, error: SocialError) -> bool:
    async with ctx.pool.acquire() as conn, conn.transaction():
        return await stop_account(ctx, conn, account, error, datetime.now(UTC))


async def fail_before_call(ctx: Context, post: Post, error: SocialError) -> None:
    """A post refused before any call (its creatives could not be fetched or checked)."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(
            conn,
            post.post_id,
            PostState.FAILED,
            code=error.code,
            reason=error.reason,
            retryable=False,
        )
        event = post_events.failed(
            ctx.settings,
            post,
            reason=error.reason,
            code=error.code,
            retryable=False,
            at=now,
            attempt=post.attempts,
        )
        await outbox.enqueue(conn, [event])
        await media.release(conn, post.post_id, now)


# --- reconciliation ---------------------------------------------------------------------------


async def mark_interrupted(ctx: Context, post: Post) -> None:
    """An attempt found open at start: the process died during its call. The post is unclear."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.end_attempt(
            conn,
            post.post_id,
            post.attempts,
            outcome=str(Outcome.UNCLEAR),
            code="interrupted",
            reason="the publisher stopped before the network's answer was recorded",
            at=now,
        )
        await store.set_state(conn, post.post_id, PostState.UNCLEAR, next_attempt_at=now)


def parts_of(post: Post) -> tuple[str, ...]:
    """The texts the post went out as: one, or the parts X's splitter makes of it (a numbered
    thread), exactly as the X client sends them."""
    if post.network != Network.X:
        return (post.text,)
    planned = x_text.plan(post.text, thread=post.overflow == Overflow.THREAD)
    return (post.text,) if isinstance(planned, SocialError) else tuple(planned.parts)


async def record_reconciled(
    ctx: Context, post: Post, ids: tuple[str, ...], public_url: str | None
) -> None:
    """The unclear call did post (every part of it): record it as ours, never retry."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await _posted(
            ctx,
            conn,
            post,
            n=post.attempts,
            outcome=Outcome.RECONCILED,
            provider_post_id=ids[0],
            public_url=public_url,
            thread_post_ids=ids if len(ids) > 1 else (),
            now=now,
        )


async def record_not_posted(ctx: Context, post: Post, ids: tuple[str, ...]) -> None:
    """The unclear call did not post (or, for a thread, not every part; `ids` are the parts
    that are out, which the retry resumes after): queue it again now."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.end_attempt(
            conn,
            post.post_id,
            post.attempts,
            outcome=str(Outcome.NOT_FOUND),
            code=None,
            reason="not on the account: the call did not post"
            if not ids
            else f"{len(ids)} part(s) of the thread on the account; the rest follows",
            at=now,
        )
        await store.set_thread_parts(conn, post.post_id, ids)
        await store.set_state(conn, post.post_id, PostState.QUEUED, next_attempt_at=now)


async def reconcile_later(ctx: Context, post: Post, after: timedelta) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(
            conn, post.post_id, PostState.UNCLEAR, next_attempt_at=datetime.now(UTC) + after
        )


async def postpone(ctx: Context, post: Post, until: datetime) -> None:
    """A queued post that cannot be sent now (its creatives cannot be fetched yet) waits; the
    account's later posts go meanwhile."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(conn, post.post_id, post.state, next_attempt_at=until)
