"""The alert board's reads: incidents as a viewer may see them, one incident's alerts, officers
and receipts, the closed record for export, and the versions the live stream compares.

Every query here filters with `_VISIBLE`, the rule of `domain.board.sees` in SQL (its first three
parameters are the viewer's): HQ everywhere; the officers an incident was routed or escalated to;
the officers whose units contain its station (the stations whose path in the read model meets
the viewer's units; a station the read model does not know is covered by a grant on itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from nazar_platform.db import Connection
from nazar_platform.http.pagination import Int32, Keyset, Page

from directive.domain.board import BoardOrder, BoardState, Viewer

# As a set of incident ids, so that a station's officers read their few incidents through the
# station index instead of filtering every incident of the state in the page's order.
_VISIBLE = """($1::boolean OR i.id IN (
    SELECT s.id FROM incidents s
    WHERE s.station_id = ANY(ARRAY(SELECT u.id FROM units u WHERE u.path && $3::text[])
                             || $3::text[])
    UNION SELECT v.incident_id FROM incident_officers v WHERE v.member_id = $2))"""

# The taker's and closer's role: the one they were messaged in, else their first posting's.
_SELECT = """
SELECT i.id, i.kind, i.urgency, i.station_id, i.circle_id, i.district_id, i.range_id,
       i.place_text, i.latitude, i.longitude, i.alert_count, i.stage, i.opened_at,
       i.last_raised_at, i.taken_by, i.taken_at, i.closed_by, i.closed_at, i.outcome,
       i.fir_number, i.version, i.updated_at, (i.taken_at IS NOT NULL)::int AS taken,
       su.name_hi AS station_name_hi, su.name_en AS station_name_en,
       tm.name_hi AS taken_by_name_hi, tm.name_latin AS taken_by_name_latin,
       COALESCE(tro.role, tm.roles[1]) AS taken_by_role,
       cm.name_hi AS closed_by_name_hi, cm.name_latin AS closed_by_name_latin,
       COALESCE(cro.role, cm.roles[1]) AS closed_by_role
FROM incidents i
LEFT JOIN units su ON su.id = i.station_id
LEFT JOIN members tm ON tm.id = i.taken_by
LEFT JOIN incident_officers tro ON tro.incident_id = i.id AND tro.member_id = i.taken_by
LEFT JOIN members cm ON cm.id = i.closed_by
LEFT JOIN incident_officers cro ON cro.incident_id = i.id AND cro.member_id = i.closed_by
"""

_PAGES = {
    (BoardState.OPEN, BoardOrder.NEWEST): Keyset(
        ("i.opened_at", "i.id"), (datetime, str), descending=True
    ),
    (BoardState.OPEN, BoardOrder.OLDEST_UNACKNOWLEDGED): Keyset(
        ("(i.taken_at IS NOT NULL)::int", "i.opened_at", "i.id"),
        (Int32, datetime, str),
        row_keys=("taken", "opened_at", "id"),
    ),
    (BoardState.CLOSED, BoardOrder.NEWEST): Keyset(
        ("i.closed_at", "i.id"), (datetime, str), descending=True
    ),
}


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row)


def _viewer_args(viewer: Viewer) -> list[Any]:
    return [viewer.everywhere, viewer.member_id, sorted(viewer.unit_ids)]


async def page(
    db: asyncpg.Pool | Connection,
    viewer: Viewer,
    *,
    state: BoardState,
    order: BoardOrder,
    cursor: str | None,
    limit: int,
) -> Page[dict[str, Any]]:
    """Open or closed incidents the viewer sees, in `order` (closed ones: newest closed first)."""
    keyset = _PAGES[(state, order if state is BoardState.OPEN else BoardOrder.NEWEST)]
    where, args = keyset.after(cursor, first_param=4)
    closed = "i.closed_at IS NOT NULL" if state is BoardState.CLOSED else "i.closed_at IS NULL"
    rows = await db.fetch(
        f"{_SELECT} WHERE {closed} AND {_VISIBLE} AND {where} "
        f"ORDER BY {keyset.order_by()} LIMIT ${len(args) + 4}",
        *_viewer_args(viewer),
        *args,
        limit + 1,
    )
    return keyset.page(rows, limit, _as_dict)


async def visible(
    db: asyncpg.Pool | Connection, viewer: Viewer, ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Those of `ids` the viewer sees, as list rows."""
    rows = await db.fetch(
        f"{_SELECT} WHERE i.id = ANY($4::text[]) AND {_VISIBLE} ORDER BY i.opened_at DESC, i.id",
        *_viewer_args(viewer),
        list(ids),
    )
    return [dict(r) for r in rows]


async def station_of(db: asyncpg.Pool | Connection, incident_id: str) -> str | None:
    """The station an incident is at, whoever asks (None: no such incident)."""
    value = await db.fetchval("SELECT station_id FROM incidents WHERE id = $1", incident_id)
    return None if value is None else str(value)


async def versions(
    db: asyncpg.Pool | Connection, viewer: Viewer, also: Sequence[str]
) -> dict[str, int]:
    """The version of every open incident the viewer sees, and of those of `also` (the ones the
    stream showed open before: a close or a hand-over must reach the page too)."""
    rows = await db.fetch(
        "SELECT i.id, i.version FROM incidents i "
        f"WHERE (i.closed_at IS NULL OR i.id = ANY($4::text[])) AND {_VISIBLE}",
        *_viewer_args(viewer),
        list(also),
    )
    return {r["id"]: r["version"] for r in rows}


async def alerts_of(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT a.id, a.kind, a.urgency, a.text, a.language, a.place_text, a.latitude,
                  a.longitude, a.accuracy_m, a.vehicle_number, a.photos, a.raised_by,
                  a.raiser_role, a.station_id, a.raised_at, a.received_at,
                  m.name_hi AS raiser_name_hi, m.name_latin AS raiser_name_latin,
                  u.name_hi AS station_name_hi, u.name_en AS station_name_en
           FROM alerts a
           LEFT JOIN members m ON m.id = a.raised_by
           LEFT JOIN units u ON u.id = a.station_id
           WHERE a.incident_id = $1 ORDER BY a.raised_at, a.id""",
        incident_id,
    )
    return [dict(r) for r in rows]


async def officers_of(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    """Each officer routed or escalated to, their unit (where they hold that role) and the
    receipts of the message they were sent."""
    rows = await conn.fetch(
        """SELECT o.member_id, o.role, o.stage, o.message_id, o.added_at,
                  m.name_hi, m.name_latin, ou.id AS unit_id, ou.name_hi AS unit_name_hi,
                  ou.name_en AS unit_name_en, d.status, d.failed, d.requested_at, d.sent_at,
                  d.delivered_at, d.read_at, d.acked_at, d.ack_via
           FROM incident_officers o
           LEFT JOIN members m ON m.id = o.member_id
           LEFT JOIN units ou ON ou.id = m.unit_ids[array_position(m.roles, o.role)]
           LEFT JOIN deliveries d ON d.message_id = o.message_id AND d.member_id = o.member_id
           WHERE o.incident_id = $1 ORDER BY o.added_at, o.member_id""",
        incident_id,
    )
    return [dict(r) for r in rows]


_CLOSED_ALERTS = f"""
SELECT x.*, a.id AS alert_id, a.kind AS alert_kind, a.urgency AS alert_urgency, a.text,
       a.place_text AS alert_place, a.latitude AS alert_latitude,
       a.longitude AS alert_longitude, a.vehicle_number, a.raised_by, a.raiser_role,
       a.raised_at, rm.name_hi AS raiser_name_hi, rm.name_latin AS raiser_name_latin
FROM ({_SELECT} WHERE i.closed_at IS NOT NULL AND {_VISIBLE}
      AND ($4::timestamptz IS NULL OR i.closed_at >= $4)
      AND ($5::timestamptz IS NULL OR i.closed_at < $5)) x
JOIN alerts a ON a.incident_id = x.id
LEFT JOIN members rm ON rm.id = a.raised_by
ORDER BY x.closed_at, x.id, a.raised_at, a.id
"""


async def closed_alerts(
    conn: Connection,
    viewer: Viewer,
    *,
    closed_from: datetime | None,
    closed_to: datetime | None,
    chunk: int = 1000,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every alert of the closed incidents the viewer sees, with its incident's outcome, in
    chunks (needs a transaction)."""
    cursor = conn.cursor(_CLOSED_ALERTS, *_viewer_args(viewer), closed_from, closed_to)
    batch: list[dict[str, Any]] = []
    async for row in cursor:
        batch.append(dict(row))
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch
