"""The alert board (issue 15, read side): incidents as the viewer may see them, one incident
with its alerts, officers, receipts and history, a live stream of changes, and the closed record
as CSV. Who sees what is `domain.board.sees`, applied in every query by `store.board`; taking,
closing and handing over are the case's endpoints (`POST /incidents/{id}/take|close|hand-over`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from nazar_contracts.vocabulary import ROLE_NAMES, Role
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http import csv_files
from nazar_platform.http.access import authorize, require
from nazar_platform.http.input_guard import AwareTimestamp
from nazar_platform.http.pagination import Page, PageParams, page_params
from nazar_platform.http.problems import ProblemError
from sse_starlette.sse import EventSourceResponse

from directive.api import board_views as views
from directive.api.common import now_of, pool_of, settings_of
from directive.api.problems import problem
from directive.domain.board import BoardOrder, BoardState, Viewer
from directive.store import board as store

router = APIRouter(tags=["alert board"])
Receiver = Annotated[Principal, Depends(require(Action.ALERT_RECEIVE))]
IncidentId = Annotated[
    str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]


def viewer_of(principal: Principal) -> Viewer:
    scope = scope_units(principal, Action.ALERT_RECEIVE)
    return Viewer(principal.member_id, scope.everywhere, scope.unit_ids)


@router.get("/incidents", response_model=Page[views.IncidentOut])
async def incidents(
    request: Request,
    principal: Receiver,
    page: Annotated[PageParams, Depends(page_params)],
    state: BoardState = BoardState.OPEN,
    order: Annotated[
        BoardOrder,
        Query(description="open ones: newest first, or not yet taken first (oldest at the top)"),
    ] = BoardOrder.NEWEST,
) -> Page[views.IncidentOut]:
    """Incidents the caller sees: open ones newest first (or oldest unacknowledged first),
    closed ones newest closed first; each with its kind, urgency, place, alert count, age,
    stage, who took it and, closed, its outcome."""
    now = now_of(request)
    found = await store.page(
        pool_of(request),
        viewer_of(principal),
        state=state,
        order=order,
        cursor=page.cursor,
        limit=page.limit,
    )
    return Page[views.IncidentOut](
        items=[views.incident(r, now) for r in found.items], next_cursor=found.next_cursor
    )


@router.get(
    "/incidents/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def incidents_stream(request: Request, principal: Receiver) -> EventSourceResponse:
    """Server-sent events for the caller's board: `ready` once connected (load the lists now),
    then an `incident` event (the body of a list item) whenever an incident the caller sees
    opens or changes — alerts join, escalation, taken, closed, handed over — checked every
    NAZAR_REACH_STREAM_INTERVAL, and a comment now and then to keep proxies open."""
    viewer = viewer_of(principal)
    interval = settings_of(request).reach_stream_interval.total_seconds()
    pool = pool_of(request)

    async def events() -> AsyncIterator[dict[str, Any]]:
        shown = await store.versions(pool, viewer, [])  # the open incidents the page loads
        yield {"event": "ready", "data": "{}"}
        while not await request.is_disconnected():
            await asyncio.sleep(interval)
            current = await store.versions(pool, viewer, list(shown))
            changed = [i for i, v in current.items() if shown.get(i) != v]
            rows = await store.visible(pool, viewer, changed) if changed else []
            now = now_of(request)
            for r in rows:
                body = views.incident(r, now)
                yield {
                    "event": "incident",
                    "id": f"{body.id}:{body.version}",
                    "data": body.model_dump_json(),
                }
            # Handed over beyond the caller's sight: the page drops it.
            for gone in sorted(set(shown) - set(current)):
                yield {"event": "gone", "data": json.dumps({"id": gone})}
            # A closed incident is followed no further: the page has it as closed.
            still_open = {r["id"] for r in rows if r["closed_at"] is None}
            shown = {
                i: v
                for i, v in current.items()
                if i in still_open or (i in shown and i not in changed)
            }

    return EventSourceResponse(events(), ping=15)


COLUMNS = [
    "incident_id", "alert_id", "kind", "urgency", "raised_at", "place", "latitude", "longitude",
    "vehicle_number", "text", "raiser_id", "raiser_name_hi", "raiser_name_latin", "raiser_role",
    "station_id", "station_name_hi", "station_name_en", "alert_count", "taken_by",
    "taken_by_name", "taken_by_role", "taken_at", "closed_at", "closed_by", "closed_by_name",
    "closed_by_role", "outcome", "fir_number",
]  # fmt: skip


def _role(role: str | None) -> str | None:
    """A role as people read it, in both languages (the record is read by both)."""
    if role is None:
        return None
    try:
        hi, en = ROLE_NAMES[Role(role)]
    except (ValueError, KeyError):
        return role
    return f"{hi} / {en}"


@router.get(
    "/incidents/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export(
    request: Request,
    principal: Receiver,
    closed_from: Annotated[AwareTimestamp | None, Query(alias="from")] = None,
    closed_to: Annotated[AwareTimestamp | None, Query(alias="to")] = None,
) -> StreamingResponse:
    """For the record: every alert of the closed incidents the caller sees (closed in
    [`from`, `to`) when given), with its incident's outcome and FIR number, oldest closed first.
    UTF-8 with a byte-order mark (spreadsheets show Hindi), formula cells neutralised."""
    viewer = viewer_of(principal)
    pool = pool_of(request)
    when = now_of(request).strftime("%Y%m%dT%H%M")

    async def rows() -> AsyncIterator[str]:
        yield csv_files.header(COLUMNS)
        async with pool.acquire() as conn, conn.transaction():
            async for chunk in store.closed_alerts(
                conn, viewer, closed_from=closed_from, closed_to=closed_to
            ):
                yield csv_files.lines(_record(r) for r in chunk)

    return csv_files.response(rows(), f"alerts-closed-{when}.csv")


def _record(r: dict[str, Any]) -> list[object]:
    return [
        r["id"],
        r["alert_id"],
        r["alert_kind"],
        r["alert_urgency"],
        r["raised_at"],
        r["alert_place"],
        r["alert_latitude"],
        r["alert_longitude"],
        r["vehicle_number"],
        r["text"],
        r["raised_by"],
        r["raiser_name_hi"],
        r["raiser_name_latin"],
        _role(r["raiser_role"]),
        r["station_id"],
        r["station_name_hi"],
        r["station_name_en"],
        r["alert_count"],
        r["taken_by"],
        r["taken_by_name_hi"] or r["taken_by_name_latin"],
        _role(r["taken_by_role"]),
        r["taken_at"],
        r["closed_at"],
        r["closed_by"],
        r["closed_by_name_hi"] or r["closed_by_name_latin"],
        _role(r["closed_by_role"]),
        r["outcome"],
        r["fir_number"],
    ]


@router.get("/incidents/{incident_id}", response_model=views.IncidentDetail)
async def incident(
    incident_id: IncidentId, request: Request, principal: Receiver
) -> views.IncidentDetail:
    """One incident: its alerts (text, place, vehicle number, photos' signed URLs, raiser), the
    officers it was routed or escalated to with their message's receipts, and its history."""
    viewer = viewer_of(principal)
    async with pool_of(request).acquire() as conn:
        found = await store.visible(conn, viewer, [incident_id])
        if not found:
            station = await store.station_of(conn, incident_id)
            if station is None:
                raise problem(
                    404,
                    "directive.incident_not_found",
                    "There is no such alert. Open the board again to see the current list.",
                    "ऐसा कोई अलर्ट नहीं है। वर्तमान सूची के लिए बोर्ड फिर से खोलें।",
                )
            # Not the caller's: recorded for the refusal counts as the access table decides.
            await authorize(request, principal, Action.ALERT_RECEIVE, unit_id=station)
            raise ProblemError(403, "access.forbidden")  # authorize has refused already
        r = found[0]
        alerts = await store.alerts_of(conn, incident_id)
        officers = await store.officers_of(conn, incident_id)
    base = views.incident(r, now_of(request))
    return views.IncidentDetail(
        **base.model_dump(),
        alerts=[views.alert(a) for a in alerts],
        officers=[views.officer(o) for o in officers],
        history=views.history(r, alerts, officers),
    )
