"""The alert board's pure rules: who sees an incident, receipts, age, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directive.domain.board import (
    Happening,
    OfficerMessage,
    Receipt,
    Viewer,
    age_seconds,
    history,
    receipt,
    sees,
)

PATH = ["PHQ", "RNG-BIKANER", "DST-BIKANER", "CIR-BIKANER-1", "PS-BIKANER-11"]
T0 = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)


def viewer(*units: str, member: str = "m-1", everywhere: bool = False) -> Viewer:
    return Viewer(member, everywhere, frozenset(units))


def test_the_station_and_every_unit_above_it_see_it() -> None:
    for unit in PATH[1:]:
        assert sees(viewer(unit), station_path=PATH, officers=set())


def test_another_station_circle_or_district_does_not() -> None:
    for unit in ("PS-BIKANER-12", "CIR-BIKANER-2", "DST-CHURU", "CP-JAIPUR"):
        assert not sees(viewer(unit), station_path=PATH, officers={"m-2"})


def test_an_officer_it_was_sent_to_sees_it_wherever_they_are_posted() -> None:
    # Handed over from Churu: Churu's SHO was messaged and still sees it.
    assert sees(viewer("PS-CHURU-11", member="m-2"), station_path=PATH, officers={"m-2"})


def test_hq_sees_everything_and_no_grant_sees_nothing() -> None:
    assert sees(viewer(everywhere=True), station_path=PATH, officers=set())
    assert not sees(viewer(), station_path=PATH, officers=set())


def test_receipts_take_the_furthest_status() -> None:
    assert receipt(None, False, None) is Receipt.NOT_SENT
    assert receipt(0, False, None) is Receipt.REQUESTED
    assert receipt(2, False, None) is Receipt.DELIVERED
    assert receipt(3, False, None) is Receipt.READ
    assert receipt(1, True, None) is Receipt.FAILED
    assert receipt(2, True, None) is Receipt.DELIVERED  # the SMS fallback delivered it
    assert receipt(3, False, T0) is Receipt.ACKNOWLEDGED


def test_age_runs_until_closed() -> None:
    assert age_seconds(T0, None, T0 + timedelta(minutes=3)) == 180
    assert age_seconds(T0, T0 + timedelta(minutes=1), T0 + timedelta(hours=5)) == 60
    assert age_seconds(T0, None, T0 - timedelta(seconds=5)) == 0  # a phone's clock ahead


def test_history_in_order_one_entry_per_message() -> None:
    officers = [
        OfficerMessage("sho", "routed", "msg-1", T0, T0 + timedelta(minutes=2)),
        OfficerMessage("co", "routed", "msg-1", T0, None),
        OfficerMessage("ig", "ig", "msg-2", T0 + timedelta(minutes=10), None),
    ]
    entries = history(
        alerts=[("a-1", "raiser-1", T0), ("a-2", "raiser-2", T0)],
        officers=officers,
        taken=("sho", T0 + timedelta(minutes=2)),
        closed=("sho", T0 + timedelta(minutes=30), "fir_registered", "FIR 12/2026"),
    )
    assert [(e.what, e.by) for e in entries] == [
        (Happening.RAISED, "raiser-1"),
        (Happening.RAISED, "raiser-2"),
        (Happening.ROUTED, None),
        (Happening.ACKNOWLEDGED, "sho"),
        (Happening.TAKEN, "sho"),
        (Happening.ESCALATED, None),
        (Happening.CLOSED, "sho"),
    ]
    assert entries[2].members == ("co", "sho")
    assert entries[5].stage == "ig" and entries[5].members == ("ig",)
    assert entries[-1].detail == {"outcome": "fir_registered", "fir_number": "FIR 12/2026"}
