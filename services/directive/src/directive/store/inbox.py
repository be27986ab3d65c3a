"""SQL of a member's inbox: their deliveries with the message text, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection
from nazar_platform.http.pagination import Keyset, Page

_PAGE = Keyset(
    ("d.requested_at", "d.id"),
    (datetime, UUID),
    descending=True,
    row_keys=("requested_at", "delivery_id"),
)

# A story's messages have no directive: their priority is their own, and they carry no files. A
# campaign's text carries its post: the link of the circle the delivery is counted in (as the
# fan-out wrote it into the member's message), else the post itself.
_ITEM = """
SELECT d.id AS delivery_id, d.directive_id, d.origin_kind, d.origin_id, d.message_id,
       d.member_id, m.kind, coalesce(x.priority, m.priority) AS priority,
       m.title_hi, m.title_en, m.body_hi, m.body_en, j.note, d.ack_requested, m.reply_code,
       d.status, d.failed, d.requested_at, d.acked_at,
       coalesce(x.attachment_ids, '{}') AS attachment_ids,
       CASE WHEN m.kind = 'original' THEN x.public_post_url END AS post_url,
       CASE WHEN m.kind = 'original' AND x.public_post_url IS NOT NULL THEN (
           SELECT l.code FROM campaign_links l JOIN units u ON u.id = d.unit_id
           WHERE l.directive_id = d.directive_id AND l.circle_id = ANY(u.path) LIMIT 1)
       END AS post_code
FROM deliveries d
JOIN messages m ON m.id = d.message_id
LEFT JOIN directives x ON x.id = d.directive_id
LEFT JOIN jobs j ON j.id = d.job_id AND m.kind = 'original'
"""


async def page(
    db: asyncpg.Pool | Connection, member_id: str, cursor: str | None, limit: int
) -> Page[Any]:
    """The member's inbox items (rows), newest first."""
    where, args = _PAGE.after(cursor, first_param=2)
    rows = await db.fetch(
        f"{_ITEM} WHERE d.member_id = $1 AND {where} "
        f"ORDER BY {_PAGE.order_by()} LIMIT ${len(args) + 2}",
        member_id,
        *args,
        limit + 1,
    )
    return _PAGE.page(rows, limit, lambda r: r)


async def item(db: asyncpg.Pool | Connection, delivery_id: UUID) -> Any:
    """The inbox item of one delivery (a row), None if there is no such delivery."""
    return await db.fetchrow(f"{_ITEM} WHERE d.id = $1", delivery_id)


async def delivery_exists(db: asyncpg.Pool | Connection, delivery_id: UUID) -> bool:
    return bool(await db.fetchval("SELECT true FROM deliveries WHERE id = $1", delivery_id))


async def carries(db: asyncpg.Pool | Connection, delivery_id: UUID, attachment_id: UUID) -> bool:
    """Whether the delivery's directive carries the attachment."""
    found = await db.fetchval(
        "SELECT true FROM deliveries d JOIN directives x ON x.id = d.directive_id "
        "WHERE d.id = $1 AND $2 = ANY(x.attachment_ids)",
        delivery_id,
        attachment_id,
    )
    return bool(found)
