"""SQL of the publishing queue: posts and their attempts. Functions take a connection and never
commit; the handlers own the transactions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nazar_platform.db import Connection

from social_publisher.domain.posts import OPEN, Attempt, MediaRef, Post, PostState

_COLUMNS = (
    "post_id, seq, story_id, network, account_id, text, overflow, media, scheduled_for, state,"
    " attempts, retries, next_attempt_at, provider_post_id, public_url, thread_post_ids,"
    " last_code, last_reason, requested_at, posted_at, withdraw_reason, withdraw_requested_by"
)
_OPEN = [str(s) for s in OPEN]


def _media(raw: Any) -> tuple[MediaRef, ...]:
    items = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(
        MediaRef(
            sha256=m["sha256"],
            size=m["size"],
            media_type=m["media_type"],
            url=m["url"],
            url_expires_at=datetime.fromisoformat(m["url_expires_at"]),
            alt_text=m.get("alt_text"),
        )
        for m in items
    )


def _post(row: Any) -> Post:
    return Post(
        post_id=row["post_id"],
        seq=row["seq"],
        story_id=row["story_id"],
        network=row["network"],
        account_id=row["account_id"],
        text=row["text"],
        overflow=row["overflow"],
        media=_media(row["media"]),
        scheduled_for=row["scheduled_for"],
        state=PostState(row["state"]),
        attempts=row["attempts"],
        retries=row["retries"],
        next_attempt_at=row["next_attempt_at"],
        provider_post_id=row["provider_post_id"],
        public_url=row["public_url"],
        thread_post_ids=tuple(row["thread_post_ids"]),
        last_code=row["last_code"],
        last_reason=row["last_reason"],
        requested_at=row["requested_at"],
        posted_at=row["posted_at"],
        withdraw_reason=row["withdraw_reason"],
        withdraw_requested_by=row["withdraw_requested_by"],
    )


def _media_json(media: Sequence[MediaRef]) -> str:
    return json.dumps(
        [
            {
                "sha256": m.sha256,
                "size": m.size,
                "media_type": m.media_type,
                "url": m.url,
                "url_expires_at": m.url_expires_at.isoformat(),
                "alt_text": m.alt_text,
            }
            for m in media
        ]
    )


async def insert(
    conn: Connection,
    *,
    post_id: str,
    story_id: str,
    network: str,
    account_id: str,
    text: str,
    overflow: str,
    media: Sequence[MediaRef],
    scheduled_for: datetime | None,
    next_attempt_at: datetime | None,
    requested_at: datetime,
) -> bool:
    """Admit a post; False when its id is already known (a replayed request)."""
    status: str = await conn.execute(
        """INSERT INTO social_posts (post_id, story_id, network, account_id, text, overflow, media,
               scheduled_for, next_attempt_at, requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
           ON CONFLICT (post_id) DO NOTHING""",
        post_id,
        story_id,
        network,
        account_id,
        text,
        overflow,
        _media_json(media),
        scheduled_for,
        next_attempt_at,
        requested_at,
    )
    return status.endswith(" 1")


async def get(conn: Connection, post_id: str, *, lock: bool = False) -> Post | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM social_posts WHERE post_id = $1{' FOR UPDATE' if lock else ''}",
        post_id,
    )
    return _post(row) if row else None


async def next_due(conn: Connection, account_id: str, now: datetime) -> Post | None:
    """The account's first unfinished post (arrival order) that is due now."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM social_posts
            WHERE account_id = $1 AND state = ANY($2::text[])
              AND (next_attempt_at IS NULL OR next_attempt_at <= $3)
            ORDER BY seq LIMIT 1""",
        account_id,
        _OPEN,
        now,
    )
    return _post(row) if row else None


async def next_wake(conn: Connection, account_id: str) -> datetime | None:
    """When the account's earliest waiting post becomes due (None: nothing is waiting)."""
    at: datetime | None = await conn.fetchval(
        """SELECT min(next_attempt_at) FROM social_posts
           WHERE account_id = $1 AND state = ANY($2::text[])""",
        account_id,
        _OPEN,
    )
    return at


async def begin_attempt(conn: Connection, post_id: str, n: int, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO social_attempts (post_id, n, started_at) VALUES ($1, $2, $3)", post_id, n, at
    )
    await conn.execute(
        """UPDATE social_posts SET state = 'in_flight', attempts = $2, updated_at = now()
           WHERE post_id = $1""",
        post_id,
        n,
    )


async def end_attempt(
    conn: Connection,
    post_id: str,
    n: int,
    *,
    outcome: str,
    code: str | None,
    reason: str | None,
    at: datetime,
    container_id: str | None = None,
) -> None:
    await conn.execute(
        """UPDATE social_attempts SET ended_at = $3, outcome = $4, code = $5, reason = $6,
               container_id = COALESCE($7, container_id)
           WHERE post_id = $1 AND n = $2""",
        post_id,
        n,
        at,
        outcome,
        code,
        reason,
        container_id,
    )


async def attempts(conn: Connection, post_id: str) -> Sequence[Attempt]:
    rows = await conn.fetch(
        """SELECT post_id, n, started_at, ended_at, outcome, code, reason, container_id
           FROM social_attempts WHERE post_id = $1 ORDER BY n""",
        post_id,
    )
    return [Attempt(**dict(r)) for r in rows]


async def last_container(conn: Connection, post_id: str) -> str | None:
    """The container (Instagram) the post's latest attempts created, if any."""
    container: str | None = await conn.fetchval(
        """SELECT container_id FROM social_attempts
           WHERE post_id = $1 AND container_id IS NOT NULL ORDER BY n DESC LIMIT 1""",
        post_id,
    )
    return container


async def set_thread_parts(conn: Connection, post_id: str, ids: Sequence[str]) -> None:
    """The parts of an X thread that are out (a retry resumes after the last)."""
    await conn.execute(
        "UPDATE social_posts SET thread_post_ids = $2, updated_at = now() WHERE post_id = $1",
        post_id,
        list(ids),
    )


async def set_posted(
    conn: Connection,
    post_id: str,
    *,
    provider_post_id: str,
    public_url: str | None,
    thread_post_ids: Sequence[str],
    at: datetime,
) -> None:
    await conn.execute(
        """UPDATE social_posts SET state = 'posted', provider_post_id = $2, public_url = $3,
               thread_post_ids = $4, posted_at = $5, next_attempt_at = NULL, last_code = NULL,
               last_reason = NULL, updated_at = now()
           WHERE post_id = $1""",
        post_id,
        provider_post_id,
        public_url,
        list(thread_post_ids),
        at,
    )


async def set_state(
    conn: Connection,
    post_id: str,
    state: PostState,
    *,
    retries: int | None = None,
    next_attempt_at: datetime | None = None,
    code: str | None = None,
    reason: str | None = None,
    retryable: bool | None = None,
) -> None:
    await conn.execute(
        """UPDATE social_posts SET state = $2, retries = COALESCE($3, retries),
               next_attempt_at = $4, last_code = COALESCE($5, last_code),
               last_reason = COALESCE($6, last_reason), retryable = COALESCE($7, retryable),
               withdrawn_at = CASE WHEN $2 = 'withdrawn' THEN now() ELSE withdrawn_at END,
               updated_at = now()
           WHERE post_id = $1""",
        post_id,
        str(state),
        retries,
        next_attempt_at,
        code,
        reason,
        retryable,
    )


async def request_withdrawal(
    conn: Connection, post_id: str, *, reason: str, by: str, at: datetime
) -> None:
    await conn.execute(
        """UPDATE social_posts SET withdraw_reason = $2, withdraw_requested_by = $3,
               withdraw_requested_at = $4, updated_at = now()
           WHERE post_id = $1 AND withdraw_requested_at IS NULL""",
        post_id,
        reason,
        by,
        at,
    )


async def posted_since(conn: Connection, account_id: str, since: datetime) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM social_posts WHERE account_id = $1 AND posted_at >= $2",
        account_id,
        since,
    )
    return n


async def posted_times_since(
    conn: Connection, account_id: str, since: datetime, limit: int
) -> list[datetime]:
    """When the account's posts went out since `since`, oldest first (at most `limit`)."""
    rows = await conn.fetch(
        """SELECT posted_at FROM social_posts WHERE account_id = $1 AND posted_at > $2
           ORDER BY posted_at LIMIT $3""",
        account_id,
        since,
        limit,
    )
    return [r["posted_at"] for r in rows]


async def queue_depths(conn: Connection) -> dict[str, int]:
    """Unfinished posts per account (queued, in flight, unclear, being withdrawn)."""
    rows = await conn.fetch(
        """SELECT account_id, count(*) AS n FROM social_posts
           WHERE state = ANY($1::text[]) GROUP BY account_id""",
        _OPEN,
    )
    return {r["account_id"]: r["n"] for r in rows}
