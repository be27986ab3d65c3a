"""The raiser's view of an alert's case, from alert.cases.v1, pure: what each event changes.

Events of one alert come in order (keyed by alert id), but a redelivery or a late event must
never move the case back: a closed case stays closed, a taken one is not "routed" again by a
late routing, and the escalation stage only rises. Officers named by any event are kept (they
may read the alert), whatever the state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from nazar_contracts.alerts import (
    AlertClosed,
    AlertEscalated,
    AlertHandedOver,
    AlertRouted,
    AlertStage,
    AlertTaken,
)

CaseEvent = AlertRouted | AlertEscalated | AlertTaken | AlertHandedOver | AlertClosed

_STAGES = [str(s) for s in AlertStage]  # routed < sp < ig


@dataclass(frozen=True, slots=True)
class Case:
    state: str  # raised | routed | escalated | taken | handed_over | closed
    station_id: str
    incident_id: str | None = None
    joined: bool = False
    stage: str | None = None
    taken_by: str | None = None
    taken_role: str | None = None
    taken_at: datetime | None = None
    taken_station_id: str | None = None  # the taker's station (from the roster), not the event's
    handed_from: str | None = None
    handed_to: str | None = None
    handed_at: datetime | None = None
    outcome: str | None = None
    fir_number: str | None = None
    closed_by: str | None = None
    closed_role: str | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None


def _higher(stage: str | None, other: str) -> str:
    if stage is None:
        return other
    return max(stage, other, key=_STAGES.index)


def officers_of(event: CaseEvent) -> list[tuple[str, str]]:
    """(member id, how) of everyone the event names as an officer of the case."""
    if isinstance(event, AlertRouted):
        return [(m, "routed") for m in event.officers]
    if isinstance(event, AlertEscalated):
        return [(m, "escalated") for m in event.officers]
    if isinstance(event, AlertTaken):
        return [(event.taken_by, "taken")]
    if isinstance(event, AlertClosed):
        return [(event.closed_by, "closed")]
    return []


def apply(case: Case, event: CaseEvent) -> Case:
    """The case after `event`; unchanged when the event would move it back."""
    if case.state == "closed":
        return case
    base = replace(case, incident_id=event.incident_id, updated_at=event.at)
    if isinstance(event, AlertRouted):
        if case.state not in ("raised", "handed_over"):
            return replace(base, joined=case.joined or event.joined)
        return replace(
            base,
            state="routed",
            station_id=event.station_id,
            joined=event.joined,
            stage=_higher(case.stage, str(AlertStage.ROUTED)),
        )
    if isinstance(event, AlertEscalated):
        state = "escalated" if case.state in ("raised", "routed") else case.state
        return replace(base, state=state, stage=_higher(case.stage, str(event.stage)))
    if isinstance(event, AlertTaken):
        if case.state == "taken":
            return case  # the first to acknowledge has it
        return replace(
            base,
            state="taken",
            taken_by=event.taken_by,
            taken_role=str(event.taken_by_role),
            taken_at=event.at,
        )
    if isinstance(event, AlertHandedOver):
        return replace(
            base,
            state="handed_over",
            station_id=event.to_station_id,
            handed_from=event.from_station_id,
            handed_to=event.to_station_id,
            handed_at=event.at,
            taken_by=None,
            taken_role=None,
            taken_at=None,
            taken_station_id=None,
            stage=None,
        )
    return replace(
        base,
        state="closed",
        outcome=str(event.outcome),
        fir_number=event.fir_number,
        closed_by=event.closed_by,
        closed_role=str(event.closed_by_role),
        closed_at=event.at,
    )
