"""SQL of the by-hand withdrawal tasks (Instagram). Never commits; rows are never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nazar_platform.db import Connection


@dataclass(frozen=True)
class WithdrawalTask:
    task_id: str
    post_id: str
    account_id: str
    reason: str
    opened_by: str
    opened_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    state: str


def _task(row: Any) -> WithdrawalTask:
    return WithdrawalTask(**dict(row))


_COLUMNS = (
    "task_id, post_id, account_id, reason, opened_by, opened_at, confirmed_by, confirmed_at, state"
)


async def open_task(
    conn: Connection,
    *,
    task_id: str,
    post_id: str,
    account_id: str,
    reason: str,
    opened_by: str,
    at: datetime,
) -> bool:
    status: str = await conn.execute(
        """INSERT INTO social_withdrawal_tasks (task_id, post_id, account_id, reason, opened_by,
               opened_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        task_id,
        post_id,
        account_id,
        reason,
        opened_by,
        at,
    )
    return status.endswith(" 1")


async def for_post(conn: Connection, post_id: str) -> WithdrawalTask | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM social_withdrawal_tasks WHERE post_id = $1", post_id
    )
    return _task(row) if row else None


async def close(conn: Connection, task_id: str, *, confirmed_by: str, at: datetime) -> bool:
    """Close an open task; False when it is unknown or already closed."""
    status: str = await conn.execute(
        """UPDATE social_withdrawal_tasks SET state = 'closed', confirmed_by = $2,
               confirmed_at = $3
           WHERE task_id = $1 AND state = 'open'""",
        task_id,
        confirmed_by,
        at,
    )
    return status.endswith(" 1")
