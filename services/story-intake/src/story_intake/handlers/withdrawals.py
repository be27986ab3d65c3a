"""Taking a published post down, and the official accounts the cell is told about.

An approver asks for a withdrawal with a reason: in ONE transaction the post shows
"withdrawing…", a story step names who and why, and `PublishWithdrawalRequested` goes to the
outbox. X and Facebook delete through their APIs and the publisher answers withdrawn or refused;
for Instagram it opens a by-hand task, and once a person deleted the post in the app an approver
confirms it (`PublishWithdrawalConfirmed`, with the task's id), again in one transaction with
its step. The HTTP layer's Idempotency-Key makes a retried request a replay, and the post's
state refuses a second withdrawal while one is under way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from nazar_contracts.stories import PublicChannel
from nazar_platform import db, outbox

from story_intake.domain import posts as rules
from story_intake.domain.chain import Actor, ChainRefusalError
from story_intake.handlers import events
from story_intake.handlers.cell import reader
from story_intake.handlers.stories import StoryNotFoundError
from story_intake.store import accounts
from story_intake.store import posts as store
from story_intake.store import stories as story_store
from story_intake.store.accounts import AccountRow
from story_intake.store.posts import PostRow
from story_intake.store.stories import StepRow, StoryRow


@dataclass(frozen=True, slots=True)
class Done:
    story: StoryRow
    post: PostRow
    actor: Actor  # the grant it was done through (for the audit)


async def _post(
    conn: db.Connection, story_id: uuid.UUID, post_id: uuid.UUID
) -> tuple[StoryRow, PostRow]:
    row = await story_store.get(conn, story_id, lock=True)
    if row is None:
        raise StoryNotFoundError(str(story_id))
    post = await store.locked(conn, post_id)
    if post is None or post.story_id != story_id:
        raise ChainRefusalError("post.not_found")
    return row, post


async def _reread(conn: db.Connection, post: PostRow) -> PostRow:
    return next(p for p in (await store.posts(conn, [post.story_id]))[post.story_id]
                if p.post_id == post.post_id)  # fmt: skip


async def withdraw(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    post_id: uuid.UUID,
    actors: list[Actor],
    reason: str | None,
    now: datetime,
) -> Done:
    actor = rules.withdrawer(actors)
    why = rules.need_reason(reason)
    async with pool.acquire() as conn, conn.transaction():
        row, post = await _post(conn, story_id, post_id)
        rules.may_withdraw(post.state, post.withdrawal.state if post.withdrawal else None)
        await store.request_withdrawal(
            conn, post_id, reason=why, by=actor.member_id, role=str(actor.role), at=now
        )
        step = StepRow(
            "withdraw_post",
            row.level,
            actor.member_id,
            str(actor.role),
            f"{post.channel}: {why}",
            now,
        )
        await story_store.add_step(conn, story_id, step)
        channel = PublicChannel(post.channel)
        await outbox.enqueue(
            conn,
            [events.withdrawal_requested(post_id, story_id, channel, why, actor.member_id, now)],
        )
        return Done(row, await _reread(conn, post), actor)


async def confirm(
    pool: asyncpg.Pool, story_id: uuid.UUID, post_id: uuid.UUID, actors: list[Actor], now: datetime
) -> Done:
    """A person deleted the Instagram post in the app: the task is closed by the publisher."""
    actor = rules.withdrawer(actors)
    async with pool.acquire() as conn, conn.transaction():
        row, post = await _post(conn, story_id, post_id)
        w = post.withdrawal
        rules.may_confirm(post.channel, w.state if w else None)
        assert w is not None and w.task_id is not None  # an open task has its id
        await store.confirm_withdrawal(conn, post_id, actor.member_id, now)
        step = StepRow(
            "confirm_withdrawal", row.level, actor.member_id, str(actor.role), post.channel, now
        )
        await story_store.add_step(conn, story_id, step)
        channel = PublicChannel(post.channel)
        await outbox.enqueue(
            conn,
            [
                events.withdrawal_confirmed(
                    post_id, story_id, channel, w.task_id, actor.member_id, now
                )
            ],
        )
        return Done(row, await _reread(conn, post), actor)


async def stopped_accounts(pool: asyncpg.Pool, actors: list[Actor]) -> list[AccountRow]:
    """The official accounts stopped now, for the cell (whoever reads its versions)."""
    reader(actors)
    async with pool.acquire() as conn:
        return await accounts.stopped(conn)
