"""SQL for directives, their messages, districts, relays, circles, escalations and jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection
from nazar_platform.http.pagination import Keyset, Page

from directive.domain.model import OriginKind, Text


@dataclass(frozen=True, slots=True)
class DirectiveRow:
    id: UUID
    kind: str
    state: str
    priority: str
    title_hi: str | None
    body_hi: str | None
    title_en: str | None
    body_en: str | None
    audience_units: list[str]
    audience_roles: list[str] | None
    ack_required: bool
    relay_mode: str
    relay_deadline: datetime
    ack_window: timedelta
    ack_threshold: float
    expires_at: datetime
    attachment_ids: list[UUID]
    issued_by: str
    issued_by_unit: str
    issued_at: datetime
    original_message_id: UUID
    first_request_at: datetime | None
    last_request_at: datetime | None
    cancelled_at: datetime | None
    closed_at: datetime | None
    version: int
    # A campaign's public post (https, on an official network's host); None for the rest.
    public_post_url: str | None = None

    @property
    def text(self) -> Text:
        return Text(self.title_hi, self.body_hi, self.title_en, self.body_en)

    @property
    def title(self) -> str:
        return self.title_hi or self.title_en or ""


_DIRECTIVE_COLUMNS = (
    "id, kind, state, priority, title_hi, body_hi, title_en, body_en, audience_units, "
    "audience_roles, ack_required, relay_mode, relay_deadline, ack_window, ack_threshold, "
    "expires_at, attachment_ids, issued_by, issued_by_unit, issued_at, original_message_id, "
    "first_request_at, last_request_at, cancelled_at, closed_at, version, public_post_url"
)


def directive_from(row: Any) -> DirectiveRow:
    """A directive from a row holding (at least) its columns."""
    return DirectiveRow(**{f.name: row[f.name] for f in fields(DirectiveRow)})


_directive = directive_from


async def insert_directive(conn: Connection, d: DirectiveRow) -> None:
    values = [getattr(d, c.strip()) for c in _DIRECTIVE_COLUMNS.split(",")]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await conn.execute(
        f"INSERT INTO directives ({_DIRECTIVE_COLUMNS}) VALUES ({placeholders})", *values
    )


LOCKS = {"": "", "update": " FOR UPDATE", "key share": " FOR KEY SHARE"}


async def get_directive(
    conn: Connection, directive_id: UUID, *, lock: str = ""
) -> DirectiveRow | None:
    """`lock`: "update" for changes to the directive itself (update, cancel, close); "key share"
    for work that must not overlap those but may overlap each other (relays, notes, escalations)."""
    suffix = LOCKS[lock]
    row = await conn.fetchrow(
        f"SELECT {_DIRECTIVE_COLUMNS} FROM directives WHERE id = $1{suffix}", directive_id
    )
    return None if row is None else _directive(row)


async def set_state(
    conn: Connection, directive_id: UUID, state: str, at: datetime, column: str
) -> None:
    assert column in {"cancelled_at", "closed_at"}
    await conn.execute(
        f"UPDATE directives SET state = $2, {column} = $3, version = version + 1 WHERE id = $1",
        directive_id,
        state,
        at,
    )


async def update_text(
    conn: Connection, directive_id: UUID, text: Text, expires_at: datetime | None
) -> None:
    await conn.execute(
        "UPDATE directives SET title_hi = $2, body_hi = $3, title_en = $4, body_en = $5, "
        "expires_at = coalesce($6, expires_at), version = version + 1 WHERE id = $1",
        directive_id,
        text.title_hi,
        text.body_hi,
        text.title_en,
        text.body_en,
        expires_at,
    )


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: UUID
    directive_id: UUID | None  # None: a message of another origin (a story's)
    kind: str
    seq: int
    title_hi: str | None
    body_hi: str | None
    title_en: str | None
    body_en: str | None
    ack_requested: bool
    reply_code: str | None
    unit_id: str | None
    created_by: str | None
    created_at: datetime
    # A directive's message belongs to it (the defaults); another origin names itself and its
    # priority and expiry, which a directive's messages take from the directive.
    origin_kind: str = OriginKind.DIRECTIVE
    origin_id: str | None = None
    priority: str | None = None
    expires_at: datetime | None = None

    @property
    def text(self) -> Text:
        return Text(self.title_hi, self.body_hi, self.title_en, self.body_en)


_MESSAGE_COLUMNS = (
    "id, directive_id, kind, seq, title_hi, body_hi, title_en, body_en, ack_requested, "
    "reply_code, unit_id, created_by, created_at, origin_kind, origin_id, priority, expires_at"
)


async def insert_message(conn: Connection, m: MessageRow) -> None:
    values = [getattr(m, c.strip()) for c in _MESSAGE_COLUMNS.split(",")]
    values[14] = m.origin_id if m.origin_id is not None else str(m.directive_id)
    await conn.execute(
        f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        *values,
    )


async def message_exists(conn: Connection, message_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM messages WHERE id = $1", message_id))


async def relay_by_id(conn: Connection, relay_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT id, directive_id, district_id, circles, note, relayed_by, created_at "
        "FROM relays WHERE id = $1",
        relay_id,
    )
    return None if row is None else dict(row)


async def next_seq(conn: Connection, directive_id: UUID) -> int:
    value = await conn.fetchval(
        "SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE directive_id = $1", directive_id
    )
    return int(value)


async def messages_of(conn: Connection, directive_id: UUID) -> list[MessageRow]:
    rows = await conn.fetch(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE directive_id = $1 ORDER BY seq",
        directive_id,
    )
    return [MessageRow(**dict(r)) for r in rows]


async def insert_districts(
    conn: Connection,
    directive_id: UUID,
    targets: Sequence[tuple[str, str | None, list[str] | None]],
) -> None:
    await conn.executemany(
        "INSERT INTO directive_districts (directive_id, district_id, range_id, circles) "
        "VALUES ($1, $2, $3, $4)",
        [(directive_id, d, r, c) for d, r, c in targets],
    )


@dataclass(frozen=True, slots=True)
class DistrictRow:
    district_id: str
    range_id: str | None
    circles: list[str] | None
    relayed_at: datetime | None
    overdue_at: datetime | None


async def lock_district(
    conn: Connection, directive_id: UUID, district_id: str
) -> DistrictRow | None:
    row = await conn.fetchrow(
        "SELECT district_id, range_id, circles, relayed_at, overdue_at FROM directive_districts "
        "WHERE directive_id = $1 AND district_id = $2 FOR UPDATE",
        directive_id,
        district_id,
    )
    return None if row is None else DistrictRow(**dict(row))


async def districts_of(conn: Connection, directive_id: UUID) -> list[DistrictRow]:
    rows = await conn.fetch(
        "SELECT district_id, range_id, circles, relayed_at, overdue_at FROM directive_districts "
        "WHERE directive_id = $1 ORDER BY district_id",
        directive_id,
    )
    return [DistrictRow(**dict(r)) for r in rows]


async def mark_district(
    conn: Connection,
    directive_id: UUID,
    district_id: str,
    *,
    relayed_at: datetime | None = None,
    overdue_at: datetime | None = None,
) -> None:
    await conn.execute(
        "UPDATE directive_districts SET relayed_at = coalesce(relayed_at, $3), "
        "overdue_at = coalesce(overdue_at, $4) WHERE directive_id = $1 AND district_id = $2",
        directive_id,
        district_id,
        relayed_at,
        overdue_at,
    )


async def insert_relay(
    conn: Connection,
    relay_id: UUID,
    directive_id: UUID,
    district_id: str,
    circles: Sequence[str],
    note: str | None,
    relayed_by: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO relays (id, directive_id, district_id, circles, note, relayed_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        relay_id,
        directive_id,
        district_id,
        list(circles),
        note,
        relayed_by,
        at,
    )
    await conn.execute(
        "INSERT INTO relayed_circles (directive_id, circle_id, district_id, relay_id, relayed_at) "
        "SELECT $1, c, $2, $3, $4 FROM unnest($5::text[]) AS c ON CONFLICT DO NOTHING",
        directive_id,
        district_id,
        relay_id,
        at,
        list(circles),
    )


async def relays_of(conn: Connection, directive_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, district_id, circles, note, relayed_by, created_at FROM relays "
        "WHERE directive_id = $1 ORDER BY created_at, id",
        directive_id,
    )
    return [dict(r) for r in rows]


async def relayed_circles(conn: Connection, directive_id: UUID) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT circle_id, district_id, relay_id, relayed_at, stage FROM relayed_circles "
        "WHERE directive_id = $1",
        directive_id,
    )
    return {r["circle_id"]: dict(r) for r in rows}


async def set_circle_stage(
    conn: Connection, directive_id: UUID, circle_id: str, stage: int
) -> None:
    await conn.execute(
        "UPDATE relayed_circles SET stage = $3 WHERE directive_id = $1 AND circle_id = $2",
        directive_id,
        circle_id,
        stage,
    )


async def set_circle_clock(
    conn: Connection, directive_id: UUID, circle_id: str, clock_from: datetime | None, held: bool
) -> None:
    await conn.execute(
        "UPDATE relayed_circles SET clock_from = $3, held = $4"
        " WHERE directive_id = $1 AND circle_id = $2",
        directive_id,
        circle_id,
        clock_from,
        held,
    )


async def insert_escalation(
    conn: Connection,
    message_id: UUID,
    directive_id: UUID,
    kind: str,
    unit_id: str,
    recipients: Sequence[str],
    ack_share: float | None,
    at: datetime,
) -> bool:
    """False when this escalation was already raised (one per directive, kind and unit)."""
    status = await conn.execute(
        "INSERT INTO escalations (message_id, directive_id, kind, unit_id, recipients, "
        "ack_share, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        message_id,
        directive_id,
        kind,
        unit_id,
        list(recipients),
        ack_share,
        at,
    )
    return status.endswith(" 1")


async def escalations_of(conn: Connection, directive_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT message_id, kind, unit_id, recipients, ack_share, created_at FROM escalations "
        "WHERE directive_id = $1 ORDER BY created_at, message_id",
        directive_id,
    )
    return [dict(r) for r in rows]


_LIST = Keyset(("d.issued_at", "d.id"), (datetime, UUID), descending=True)


async def page(
    db: asyncpg.Pool | Connection,
    *,
    state: str | None,
    units: Sequence[str] | None,
    cursor: str | None,
    limit: int,
) -> Page[DirectiveRow]:
    """Newest first: every directive (`units` None), or those that reach one of `units` (a
    targeted district at or below one of them, or one of them inside a targeted district)."""
    where, args = _LIST.after(cursor, first_param=3)
    rows = await db.fetch(
        f"""SELECT d.* FROM directives d
        WHERE ($1::text IS NULL OR d.state = $1) AND ($2::text[] IS NULL OR EXISTS (
            SELECT 1 FROM directive_districts x JOIN units ud ON ud.id = x.district_id
            WHERE x.directive_id = d.id AND (ud.path && $2::text[] OR EXISTS (
                SELECT 1 FROM units us WHERE us.id = ANY($2::text[])
                AND x.district_id = ANY(us.path)
                AND (x.circles IS NULL OR x.circles && us.path)))))
        AND {where}
        ORDER BY {_LIST.order_by()} LIMIT ${len(args) + 3}""",
        state,
        None if units is None else list(units),
        *args,
        limit + 1,
    )
    return _LIST.page(rows, limit, directive_from)
