"""Taking a published post down: the cell's request (publish.requests.v1), the queue's delete
call, Instagram's by-hand task and its confirmation. X and Facebook delete through their API;
Instagram's API cannot (`SocialClient.delete` answers False), so a person of the cell deletes the
post in the app and confirms, closing the task (kept for good: who asked, why, who confirmed,
when)."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from nazar_contracts.publish import (
    PublishWithdrawalConfirmed,
    PublishWithdrawalRequested,
    WithdrawalMethod,
)
from nazar_platform import db, outbox

from social_publisher.domain import posts as rules
from social_publisher.domain.identities import event_id
from social_publisher.domain.posts import Post, PostState
from social_publisher.domain.social import ErrorKind, SocialError
from social_publisher.handlers import media, post_events
from social_publisher.handlers.context import Context
from social_publisher.store import posts as store
from social_publisher.store import withdrawals as tasks

log = structlog.get_logger(__name__)

# Nothing was ever public: the withdrawal is done as soon as it is asked.
_NEVER_OUT = frozenset({PostState.QUEUED, PostState.FAILED})


async def request(ctx: Context, conn: db.Connection, req: PublishWithdrawalRequested) -> None:
    """The cell's request (inside the consumer's transaction)."""
    now = datetime.now(UTC)
    post = await store.get(conn, req.post_id, lock=True)
    if post is None:
        event = post_events.withdrawal_failed(
            ctx.settings,
            req.post_id,
            req.story_id,
            req.channel,
            at=now,
            code=None,
            reason="The publisher has no such post: it was never requested, so nothing is public.",
        )
        await outbox.enqueue(conn, [event])
        return
    await store.request_withdrawal(
        conn, post.post_id, reason=req.reason, by=req.requested_by, at=req.requested_at
    )
    if post.state in _NEVER_OUT:
        # A queued post is never sent now; a failed one never went out.
        await store.set_state(conn, post.post_id, rules.move(post.state, PostState.WITHDRAWN))
        event = post_events.withdrawn(
            ctx.settings, post, method=WithdrawalMethod.API, confirmed_by=None, at=now
        )
        await outbox.enqueue(conn, [event])
        await media.release(conn, post.post_id, now)
    elif post.state is PostState.POSTED:
        await store.set_state(
            conn, post.post_id, rules.move(post.state, PostState.WITHDRAWING), next_attempt_at=now
        )
    # In flight or unclear: the queue settles the call first, then takes the post down
    # (handlers.posts._posted); already being withdrawn or withdrawn: nothing more to do.


async def cancel(ctx: Context, post: Post) -> None:
    """A post the cell withdrew while its call was unsettled, found not posted: it never goes."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(conn, post.post_id, rules.move(post.state, PostState.WITHDRAWN))
        event = post_events.withdrawn(
            ctx.settings, post, method=WithdrawalMethod.API, confirmed_by=None, at=now
        )
        await outbox.enqueue(conn, [event])
        await media.release(conn, post.post_id, now)


async def deleted(ctx: Context, post: Post) -> None:
    """The network deleted it (X, Facebook)."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(conn, post.post_id, rules.move(post.state, PostState.WITHDRAWN))
        event = post_events.withdrawn(
            ctx.settings, post, method=WithdrawalMethod.API, confirmed_by=None, at=now
        )
        await outbox.enqueue(conn, [event])


async def open_task(ctx: Context, post: Post) -> str:
    """The network cannot delete through its API (Instagram): a task for a person."""
    now = datetime.now(UTC)
    task_id = f"wt-{event_id('withdrawal-task', post.post_id)}"
    reason = post.withdraw_reason or "withdrawn by the cell"
    async with ctx.pool.acquire() as conn, conn.transaction():
        await tasks.open_task(
            conn,
            task_id=task_id,
            post_id=post.post_id,
            account_id=post.account_id,
            reason=reason,
            opened_by=post.withdraw_requested_by or "unknown",
            at=now,
        )
        await store.set_state(conn, post.post_id, rules.move(post.state, PostState.WITHDRAWAL_TASK))
        event = post_events.task_opened(ctx.settings, post, task_id=task_id, reason=reason, at=now)
        await outbox.enqueue(conn, [event])
    log.info("withdrawal task opened", post_id=post.post_id, task_id=task_id)
    return task_id


async def refused(ctx: Context, post: Post, error: SocialError) -> None:
    """The network refused to delete it: the post stays up and the cell hears why."""
    now = datetime.now(UTC)
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(
            conn,
            post.post_id,
            rules.move(post.state, PostState.POSTED),
            code=error.code,
            reason=error.reason,
        )
        event = post_events.withdrawal_failed(
            ctx.settings,
            post.post_id,
            post.story_id,
            post.network,
            reason=error.reason,
            code=error.code,
            at=now,
        )
        await outbox.enqueue(conn, [event])


async def retry_later(ctx: Context, post: Post, until: datetime) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        await store.set_state(conn, post.post_id, PostState.WITHDRAWING, next_attempt_at=until)


def is_final(error: SocialError) -> bool:
    """A refusal ends the withdrawal; anything else is tried again (the account may be stopped)."""
    return error.kind is ErrorKind.REFUSED


async def confirm(ctx: Context, conn: db.Connection, req: PublishWithdrawalConfirmed) -> None:
    """A person deleted the post by hand (inside the consumer's transaction)."""
    task = await tasks.for_post(conn, req.post_id)
    if task is None or task.task_id != req.task_id:
        log.warning("withdrawal confirmed for no open task", post_id=req.post_id)
        return
    if not await tasks.close(conn, req.task_id, confirmed_by=req.confirmed_by, at=req.confirmed_at):
        return  # already closed: a repeat
    post = await store.get(conn, req.post_id, lock=True)
    if post is None or post.state is not PostState.WITHDRAWAL_TASK:
        return
    await store.set_state(conn, post.post_id, rules.move(post.state, PostState.WITHDRAWN))
    event = post_events.withdrawn(
        ctx.settings,
        post,
        method=WithdrawalMethod.BY_HAND,
        confirmed_by=req.confirmed_by,
        at=req.confirmed_at,
    )
    await outbox.enqueue(conn, [event])
