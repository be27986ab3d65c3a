"""The posts of approved stories in PostgreSQL: one per public channel, the publisher's answers
(post id, public URL, thread parts, or the failure with the network's code) and the post's
withdrawal. Every answer is applied with a guard, so a late or repeated event never moves a post
backwards: a post once posted stays posted, a withdrawn one stays withdrawn."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class WithdrawalRow:
    state: str  # requested | task_open | confirmed | withdrawn | failed
    # Who asked and why; None when the publisher reported a withdrawal the cell did not ask for.
    reason: str | None
    by_id: str | None
    by_role: str | None
    at: datetime | None
    task_id: uuid.UUID | None = None
    task_at: datetime | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    method: str | None = None  # api | by_hand
    failure: str | None = None
    failure_code: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostRow:
    post_id: uuid.UUID
    story_id: uuid.UUID
    channel: str
    version: int
    state: str  # requested | posted | failed
    provider_post_id: str | None
    public_url: str | None
    reason: str | None
    retryable: bool | None
    requested_at: datetime
    updated_at: datetime
    overflow: str | None = None
    provider_code: str | None = None
    account_id: str | None = None
    thread_post_ids: tuple[str, ...] = field(default=())
    withdrawal: WithdrawalRow | None = None


_POST = (
    "post_id, story_id, channel, version, state, provider_post_id, public_url, reason, "
    "retryable, requested_at, updated_at, overflow, provider_code, account_id, thread_post_ids"
)
_WITHDRAWAL = (
    "w_state, w_reason, w_by, w_by_role, w_at, w_task_id, w_task_at, w_confirmed_by, "
    "w_confirmed_at, w_method, w_failure, w_failure_code, w_done_at"
)


def _row(r: Any) -> PostRow:
    d = dict(r)
    w = [d.pop(name) for name in _WITHDRAWAL.split(", ")]
    d["thread_post_ids"] = tuple(d["thread_post_ids"])
    return PostRow(**d, withdrawal=WithdrawalRow(*w) if w[0] is not None else None)


async def add_posts(conn: db.Connection, posts: Sequence[PostRow]) -> None:
    await conn.executemany(
        f"INSERT INTO story_posts ({_POST}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) "
        "ON CONFLICT (post_id) DO NOTHING",
        [
            (
                p.post_id, p.story_id, p.channel, p.version, p.state, p.provider_post_id,
                p.public_url, p.reason, p.retryable, p.requested_at, p.updated_at, p.overflow,
                p.provider_code, p.account_id, list(p.thread_post_ids),
            )
            for p in posts
        ],
    )  # fmt: skip


async def posts(conn: db.Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PostRow]]:
    rows = await conn.fetch(
        f"SELECT {_POST}, {_WITHDRAWAL} FROM story_posts "
        "WHERE story_id = ANY($1::uuid[]) ORDER BY channel",
        list(ids),
    )
    out: dict[uuid.UUID, list[PostRow]] = {i: [] for i in ids}
    for r in rows:
        out[r["story_id"]].append(_row(r))
    return out


async def locked(conn: db.Connection, post_id: uuid.UUID) -> PostRow | None:
    """The post, locked for a withdrawal's request or confirmation."""
    r = await conn.fetchrow(
        f"SELECT {_POST}, {_WITHDRAWAL} FROM story_posts WHERE post_id = $1 FOR UPDATE", post_id
    )
    return _row(r) if r else None


async def _applied(conn: db.Connection, post_id: uuid.UUID, done: object) -> bool:
    """True when the update applied, or was a no-op on a post that exists (a late answer)."""
    if done:
        return True
    return bool(await conn.fetchval("SELECT true FROM story_posts WHERE post_id = $1", post_id))


async def posted(
    conn: db.Connection,
    post_id: uuid.UUID,
    *,
    provider_post_id: str,
    public_url: str | None,
    account_id: str | None,
    thread_post_ids: Sequence[str],
    at: datetime,
) -> bool:
    """The network took the post. False if there is no such post."""
    done = await conn.fetchval(
        "UPDATE story_posts SET state = 'posted', provider_post_id = $2, "
        "public_url = coalesce($3, public_url), account_id = coalesce($4, account_id), "
        "thread_post_ids = $5, reason = NULL, retryable = NULL, provider_code = NULL, "
        "updated_at = $6 WHERE post_id = $1 RETURNING true",
        post_id, provider_post_id, public_url, account_id, list(thread_post_ids), at,
    )  # fmt: skip
    return await _applied(conn, post_id, done)


async def failed(
    conn: db.Connection,
    post_id: uuid.UUID,
    *,
    reason: str,
    provider_code: str | None,
    retryable: bool,
    account_id: str | None,
    at: datetime,
) -> bool:
    """The post did not go out; a post once posted stays posted (a late failure of an earlier
    attempt does not undo it). False if there is no such post."""
    done = await conn.fetchval(
        "UPDATE story_posts SET state = 'failed', reason = $2, provider_code = $3, "
        "retryable = $4, account_id = coalesce($5, account_id), updated_at = $6 "
        "WHERE post_id = $1 AND state <> 'posted' RETURNING true",
        post_id, reason, provider_code, retryable, account_id, at,
    )  # fmt: skip
    return await _applied(conn, post_id, done)


async def request_withdrawal(
    conn: db.Connection, post_id: uuid.UUID, *, reason: str, by: str, role: str, at: datetime
) -> None:
    """A new withdrawal (or a new attempt after a failed one): what an earlier one left is
    cleared."""
    await conn.execute(
        "UPDATE story_posts SET w_state = 'requested', w_reason = $2, w_by = $3, w_by_role = $4, "
        "w_at = $5, w_task_id = NULL, w_task_at = NULL, w_confirmed_by = NULL, "
        "w_confirmed_at = NULL, w_method = NULL, w_failure = NULL, w_failure_code = NULL, "
        "w_done_at = NULL WHERE post_id = $1",
        post_id, reason, by, role, at,
    )  # fmt: skip


async def confirm_withdrawal(
    conn: db.Connection, post_id: uuid.UUID, by: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE story_posts SET w_state = 'confirmed', w_confirmed_by = $2, w_confirmed_at = $3 "
        "WHERE post_id = $1",
        post_id, by, at,
    )  # fmt: skip


async def task_opened(
    conn: db.Connection, post_id: uuid.UUID, *, task_id: uuid.UUID, reason: str, at: datetime
) -> bool:
    """Instagram's by-hand task is open; a task the cell did not see asked for (a withdrawal
    from elsewhere) still shows, with the publisher's reason. False if there is no such post."""
    done = await conn.fetchval(
        "UPDATE story_posts SET w_state = 'task_open', w_task_id = $2, w_task_at = $3, "
        "w_reason = coalesce(w_reason, $4) "
        "WHERE post_id = $1 AND (w_state IS NULL OR w_state IN ('requested', 'failed')) "
        "RETURNING true",
        post_id, task_id, at, reason,
    )  # fmt: skip
    return await _applied(conn, post_id, done)


async def withdrawn(
    conn: db.Connection,
    post_id: uuid.UUID,
    *,
    method: str,
    confirmed_by: str | None,
    at: datetime,
) -> bool:
    """The post is no longer public: final. False if there is no such post."""
    done = await conn.fetchval(
        "UPDATE story_posts SET w_state = 'withdrawn', w_method = $2, "
        "w_confirmed_by = coalesce($3, w_confirmed_by), w_done_at = $4, w_failure = NULL, "
        "w_failure_code = NULL "
        "WHERE post_id = $1 AND w_state IS DISTINCT FROM 'withdrawn' RETURNING true",
        post_id, method, confirmed_by, at,
    )  # fmt: skip
    return await _applied(conn, post_id, done)


async def withdrawal_failed(
    conn: db.Connection, post_id: uuid.UUID, *, reason: str, code: str | None, at: datetime
) -> bool:
    """The network refused to delete it; a withdrawn post stays withdrawn. False if there is no
    such post."""
    done = await conn.fetchval(
        "UPDATE story_posts SET w_state = 'failed', w_failure = $2, w_failure_code = $3, "
        "w_done_at = $4 WHERE post_id = $1 AND w_state IN ('requested', 'task_open', 'confirmed') "
        "RETURNING true",
        post_id, reason, code, at,
    )  # fmt: skip
    return await _applied(conn, post_id, done)
