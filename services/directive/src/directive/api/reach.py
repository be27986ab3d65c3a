"""Reach, live and exact: the roll-up, its server-sent-events stream, laggards, the CSV export."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http import csv_files
from nazar_platform.http.access import require
from sse_starlette.sse import EventSourceResponse

from directive.api import schemas, views
from directive.api.common import directive_for, now_of, pool_of, settings_of
from directive.domain.escalation import CircleStage
from directive.store import directives as store
from directive.store import reach as reach_store
from directive.store import roster

router = APIRouter(tags=["reach"])
Reader = Annotated[Principal, Depends(require(Action.DIRECTIVE_READ))]
DEPTHS = {"range": 2, "district": 3, "circle": 4, "station": 5}
DownTo = Annotated[
    Literal["range", "district", "circle", "station"],
    Query(description="the lowest level to roll up to"),
]


@router.get("/directives/{directive_id}/reach", response_model=schemas.ReachOut)
async def reach(
    directive_id: uuid.UUID,
    request: Request,
    principal: Reader,
    message_id: uuid.UUID | None = None,
    down_to: DownTo = "station",
) -> schemas.ReachOut:
    """Targeted / sent / delivered / read / acknowledged / failed of one message (default: the
    directive's text) per unit — state, range, district, circle, police station, as the tree
    stood at relay — within the caller's scope; every message's totals; the escalations."""
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    async with pool_of(request).acquire() as conn:
        return await views.reach(
            conn,
            d,
            scope,
            message_id=message_id,
            max_depth=DEPTHS[down_to],
            now=now_of(request),
        )


@router.get(
    "/directives/{directive_id}/reach/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def reach_stream(
    directive_id: uuid.UUID,
    request: Request,
    principal: Reader,
    down_to: DownTo = "circle",
) -> EventSourceResponse:
    """Server-sent events: a `reach` event (the body of GET …/reach) whenever the counts change,
    checked every NAZAR_REACH_STREAM_INTERVAL, and a comment now and then to keep proxies open."""
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    interval = settings_of(request).reach_stream_interval.total_seconds()
    pool = pool_of(request)

    async def events() -> AsyncIterator[dict[str, Any]]:
        last: str | None = None
        while not await request.is_disconnected():
            async with pool.acquire() as conn:
                body = await views.reach(
                    conn,
                    d,
                    scope,
                    message_id=None,
                    max_depth=DEPTHS[down_to],
                    now=now_of(request),
                )
            state = body.model_dump_json(exclude={"as_of"})
            if state != last:
                last = state
                yield {
                    "event": "reach",
                    "id": body.as_of.isoformat(),
                    "data": body.model_dump_json(),
                }
            await asyncio.sleep(interval)

    return EventSourceResponse(events(), ping=15)


@router.get("/directives/{directive_id}/laggards", response_model=schemas.LaggardsOut)
async def laggards(
    directive_id: uuid.UUID, request: Request, principal: Reader
) -> schemas.LaggardsOut:
    """Districts whose SP has not relayed; relayed circles under the acknowledgement threshold
    (with the stage of their escalation)."""
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    now = now_of(request)
    async with pool_of(request).acquire() as conn:
        districts = [x for x in await store.districts_of(conn, d.id) if x.relayed_at is None]
        circles = await reach_store.circle_acks(conn, d.id, d.original_message_id)
        paths = await roster.unit_paths(
            conn, [x.district_id for x in districts] + [c.circle_id for c in circles]
        )
        names = await reach_store.unit_names(conn, list(paths))
    behind = [
        c
        for c in circles
        if c.targeted
        and c.acknowledged < d.ack_threshold * c.targeted
        and views.within(paths.get(c.circle_id, []), scope)
    ]
    return schemas.LaggardsOut(
        directive_id=d.id,
        as_of=now,
        districts_not_relayed=[
            schemas.LaggardDistrict(
                district_id=x.district_id,
                name=_name(names, x.district_id),
                relay_deadline=d.relay_deadline,
                overdue=now >= d.relay_deadline,
                overdue_at=x.overdue_at,
            )
            for x in districts
            if views.within(paths.get(x.district_id, []), scope)
        ],
        circles_below_threshold=[
            schemas.LaggardCircle(
                circle_id=c.circle_id,
                district_id=c.district_id,
                name=_name(names, c.circle_id),
                relayed_at=c.relayed_at,
                window_ends=c.relayed_at + d.ack_window,
                stage=views.STAGE_NAMES[CircleStage(c.stage)],
                targeted=c.targeted,
                acknowledged=c.acknowledged,
                ack_share=round(c.acknowledged / c.targeted, 4),
            )
            for c in behind
        ],
    )


def _name(names: dict[str, dict[str, Any]], unit_id: str) -> schemas.Bilingual:
    found = names.get(unit_id, {})
    return schemas.Bilingual(hi=found.get("name_hi"), en=found.get("name_en"))


STATION_COLUMNS = [
    "level", "unit_id", "name_hi", "name_en", "path", "message", "targeted", "sent", "delivered",
    "read", "acknowledged", "failed", "ack_share", "title_hi", "title_en",
]  # fmt: skip
MEMBER_COLUMNS = [
    "member_id", "name_hi", "name_latin", "roles", "unit_id", "unit_name_en", "message_kind",
    "message_seq", "delivery_id", "status", "requested_at", "sent_at", "delivered_at", "read_at",
    "acknowledged_at", "ack_via", "failed_at", "failure", "title_hi", "title_en",
]  # fmt: skip
LEVELS = {1: "state", 2: "range", 3: "district", 4: "circle", 5: "police_station"}


@router.get(
    "/directives/{directive_id}/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export(
    directive_id: uuid.UUID,
    request: Request,
    principal: Reader,
    per: Annotated[Literal["station", "member"], Query()] = "station",
) -> StreamingResponse:
    """For the record, within the caller's scope: per unit (every level down to the police
    station) the counts of the directive's text; or per member and message, with status times.
    Every row names its text (`title_hi`, `title_en`), so a file stands on its own. Written by
    `nazar_platform.http.csv_files`: UTF-8 with a byte-order mark, so spreadsheet programs show
    Hindi, and a cell that would run as a formula (a name such as `=HYPERLINK(…)`) begins with
    `'`."""
    d, scope = await directive_for(request, principal, Action.DIRECTIVE_READ, directive_id)
    pool = pool_of(request)
    when = now_of(request).strftime("%Y%m%dT%H%M")
    filename = f"directive-{d.id}-{per}-{when}.csv"

    async def stations() -> AsyncIterator[str]:
        async with pool.acquire() as conn:
            rows = await reach_store.roll_up(
                conn, d.id, message_id=d.original_message_id, scope=scope
            )
            names = await reach_store.unit_names(conn, [r.unit_id for r in rows])
            paths = await roster.unit_paths(conn, [r.unit_id for r in rows])
        yield csv_files.header(STATION_COLUMNS)
        for r in sorted(rows, key=lambda r: (paths.get(r.unit_id, []), r.depth)):
            n = names.get(r.unit_id, {})
            trail = " > ".join(
                names.get(u, {}).get("name_en") or u for u in paths.get(r.unit_id, [r.unit_id])
            )
            share = r.counts.ack_share()
            yield csv_files.line(
                [
                    LEVELS.get(r.depth, str(r.depth)),
                    r.unit_id,
                    n.get("name_hi"),
                    n.get("name_en"),
                    trail,
                    "original",
                    *r.counts.as_dict().values(),
                    "" if share is None else f"{share:.4f}",
                    d.title_hi,
                    d.title_en,
                ]
            )

    async def members() -> AsyncIterator[str]:
        yield csv_files.header(MEMBER_COLUMNS)
        async with pool.acquire() as conn, conn.transaction():
            names = await roster.english_unit_names(conn)
            async for chunk in reach_store.member_rows(conn, d.id, scope):
                yield csv_files.lines(
                    [
                        r["member_id"],
                        r["name_hi"],
                        r["name_latin"],
                        " ".join(r["roles"] or []),
                        r["unit_id"],
                        names.get(r["unit_id"]),
                        r["message_kind"],
                        r["seq"],
                        r["delivery_id"],
                        views.STATUS_NAMES[r["status"]],
                        r["requested_at"],
                        r["sent_at"],
                        r["delivered_at"],
                        r["read_at"],
                        r["acked_at"],
                        r["ack_via"],
                        r["failed_at"],
                        r["failure"],
                        r["title_hi"],
                        r["title_en"],
                    ]
                    for r in chunk
                )

    return csv_files.response(stations() if per == "station" else members(), filename)
