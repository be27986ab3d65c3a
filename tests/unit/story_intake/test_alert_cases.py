"""The raiser's view of a case (alert.cases.v1): each event moves it forward, never back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nazar_contracts.alerts import (
    AlertClosed,
    AlertEscalated,
    AlertHandedOver,
    AlertKind,
    AlertOutcome,
    AlertRouted,
    AlertStage,
    AlertTaken,
)
from nazar_contracts.vocabulary import Role
from story_intake.domain.alert_cases import Case, apply, officers_of

T0 = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
ALERT = "7d1c1d2e-39a4-4c1b-9a7e-2d2f4f6a8b10"


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


ROUTED = AlertRouted(
    alert_id=ALERT, incident_id=ALERT, station_id="PS-TIJARA", officers=["M-SHO-1", "M-CO-1"],
    joined=False, at=_at(0),
)  # fmt: skip
ESCALATED = AlertEscalated(
    alert_id=ALERT, incident_id=ALERT, stage=AlertStage.IG, officers=["M-IG-1"], at=_at(10)
)
TAKEN = AlertTaken(
    alert_id=ALERT, incident_id=ALERT, taken_by="M-SHO-1", taken_by_role=Role.SHO, at=_at(12)
)
CLOSED = AlertClosed(
    alert_id=ALERT, incident_id=ALERT, outcome=AlertOutcome.ARREST_MADE, closed_by="M-SHO-1",
    closed_by_role=Role.SHO, at=_at(40),
)  # fmt: skip


def test_a_case_goes_routed_escalated_taken_closed() -> None:
    case = Case(state="raised", station_id="PS-TIJARA")
    case = apply(case, ROUTED)
    assert (case.state, case.stage, case.incident_id) == ("routed", "routed", ALERT)
    case = apply(case, ESCALATED)
    assert (case.state, case.stage) == ("escalated", "ig")
    case = apply(case, TAKEN)
    assert (case.state, case.taken_by, case.taken_role) == ("taken", "M-SHO-1", "sho")
    case = apply(case, CLOSED)
    assert (case.state, case.outcome, case.closed_role, case.closed_at) == (
        "closed", "arrest_made", "sho", _at(40),
    )  # fmt: skip


def test_nothing_moves_a_case_back() -> None:
    closed = Case(state="raised", station_id="PS-TIJARA")
    for event in (ROUTED, TAKEN, CLOSED):
        closed = apply(closed, event)
    for late in (ROUTED, ESCALATED, TAKEN, CLOSED):
        assert apply(closed, late) == closed
    taken = apply(apply(Case(state="raised", station_id="PS-TIJARA"), ROUTED), TAKEN)
    late_routing = apply(taken, ROUTED)
    assert (late_routing.state, late_routing.taken_by) == ("taken", "M-SHO-1")
    other = TAKEN.model_copy(update={"taken_by": "M-CO-1", "taken_by_role": Role.CO})
    assert apply(taken, other).taken_by == "M-SHO-1"  # the first to acknowledge has it
    # An escalation to the SP after the IG's does not lower the stage.
    at_ig = apply(apply(Case(state="raised", station_id="PS-TIJARA"), ROUTED), ESCALATED)
    sp = ESCALATED.model_copy(update={"stage": AlertStage.SP})
    assert apply(at_ig, sp).stage == "ig"


def test_a_hand_over_moves_the_station_and_the_next_routing_starts_again() -> None:
    case = apply(apply(Case(state="raised", station_id="PS-TIJARA"), ROUTED), TAKEN)
    handed = AlertHandedOver(
        alert_id=ALERT, incident_id=ALERT, from_station_id="PS-TIJARA", to_station_id="PS-KBAS",
        by="M-SHO-1", at=_at(20),
    )  # fmt: skip
    case = apply(case, handed)
    assert (case.state, case.station_id, case.taken_by) == ("handed_over", "PS-KBAS", None)
    rerouted = ROUTED.model_copy(
        update={"station_id": "PS-KBAS", "officers": ["M-SHO-2"], "at": _at(21)}
    )
    case = apply(case, rerouted)
    assert (case.state, case.station_id, case.handed_from) == ("routed", "PS-KBAS", "PS-TIJARA")


def test_the_officers_of_each_event() -> None:
    assert officers_of(ROUTED) == [("M-SHO-1", "routed"), ("M-CO-1", "routed")]
    assert officers_of(ESCALATED) == [("M-IG-1", "escalated")]
    assert officers_of(TAKEN) == [("M-SHO-1", "taken")]
    assert officers_of(CLOSED) == [("M-SHO-1", "closed")]
    assert AlertKind.SUSPICIOUS  # the contract's kinds are the ones the view names
