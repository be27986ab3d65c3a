"""What an officer does with a field alert's case (issue 15): take it, close it with its outcome,
hand it over to another station. Thin routes over `handlers.incidents`; the board's reads are
in `api.alert_board`.

Allowed: the officers it was routed or escalated to (`incident_officers`) and the officers whose
units contain its station (`alert.receive` over their subtree; state-wide for the ADG and SP PHQ
Crime). Anyone else gets a 403 problem in their language; volunteers and constables never hold
`alert.receive`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from nazar_contracts.alerts import AlertOutcome, AlertStage, Urgency
from nazar_contracts.base import Id, UnitId
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import authorize, require
from pydantic import BaseModel, ConfigDict, Field

from directive.api.common import IDEMPOTENT, actor_of, now_of, pool_of, settings_of, topics_of
from directive.api.problems import problem
from directive.handlers import incidents as handlers
from directive.handlers.alerts import case_config
from directive.handlers.common import Actor
from directive.store import alerts as store

router = APIRouter(tags=["alerts"])
IncidentId = Annotated[
    str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Receiver = Annotated[Principal, Depends(require(Action.ALERT_RECEIVE))]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: AlertOutcome
    fir_number: str | None = Field(default=None, min_length=1, max_length=40)


class HandOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station_id: UnitId


class IncidentOut(BaseModel):
    """The case as it stands after the change."""

    incident_id: Id
    kind: str
    urgency: Urgency
    station_id: UnitId
    stage: AlertStage
    alert_count: int
    taken_by: Id | None
    taken_at: datetime | None
    closed_by: Id | None
    closed_at: datetime | None
    outcome: AlertOutcome | None
    fir_number: str | None
    version: int


def _out(row: store.IncidentRow) -> IncidentOut:
    return IncidentOut(
        incident_id=row.id,
        kind=row.kind,
        urgency=Urgency(row.urgency),
        station_id=row.station_id,
        stage=AlertStage(row.stage),
        alert_count=row.alert_count,
        taken_by=row.taken_by,
        taken_at=row.taken_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        outcome=None if row.outcome is None else AlertOutcome(row.outcome),
        fir_number=row.fir_number,
        version=row.version,
    )


async def _actor(request: Request, principal: Principal, incident_id: str) -> Actor:
    """The caller as they act on this case, if they may: one of its officers, or above its
    station. 404 when there is no such case, 403 when it is not theirs."""
    async with pool_of(request).acquire() as conn:
        incident = await store.incident(conn, incident_id)
        role = (
            None
            if incident is None
            else await store.officer_role(conn, incident_id, principal.member_id)
        )
    if incident is None:
        raise problem(404, "directive.not_found", "no such alert", "ऐसा कोई अलर्ट नहीं है")
    if role is not None:
        grant = next((g for g in principal.grants if str(g.role) == role), None)
        if grant is not None:
            return Actor(principal.member_id, role, grant.unit_id)
    decision = await authorize(
        request, principal, Action.ALERT_RECEIVE, unit_id=incident.station_id
    )
    return actor_of(principal, decision)


@router.post(
    "/incidents/{incident_id}/take",
    response_model=IncidentOut,
    dependencies=[Depends(IDEMPOTENT)],
)
async def take(incident_id: IncidentId, request: Request, principal: Receiver) -> IncidentOut:
    """The caller takes the case (as acknowledging its message does). Taking one's own again
    changes nothing; a case someone else has is a 409 naming what to do."""
    actor = await _actor(request, principal, incident_id)
    row = await handlers.take_by(
        pool_of(request), topics_of(request), incident_id, actor, now_of(request)
    )
    return _out(row)


@router.post(
    "/incidents/{incident_id}/close",
    response_model=IncidentOut,
    dependencies=[Depends(IDEMPOTENT)],
)
async def close(
    incident_id: IncidentId, body: CloseIn, request: Request, principal: Receiver
) -> IncidentOut:
    """Close the case with its outcome (`fir_number` with `fir_registered` only); each raiser is
    told."""
    actor = await _actor(request, principal, incident_id)
    row = await handlers.close(
        pool_of(request),
        topics_of(request),
        incident_id,
        body.outcome,
        body.fir_number,
        actor,
        now_of(request),
    )
    return _out(row)


@router.post(
    "/incidents/{incident_id}/hand-over",
    response_model=IncidentOut,
    dependencies=[Depends(IDEMPOTENT)],
)
async def hand_over(
    incident_id: IncidentId, body: HandOverIn, request: Request, principal: Receiver
) -> IncidentOut:
    """Hand the case to another police station: its SHO and CO (and SP when immediate) are
    messaged afresh, the stage and the escalation clock start again."""
    actor = await _actor(request, principal, incident_id)
    row = await handlers.hand_over(
        pool_of(request),
        topics_of(request),
        incident_id,
        body.station_id,
        actor,
        case_config(settings_of(request)),
        now_of(request),
    )
    return _out(row)
