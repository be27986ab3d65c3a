"""Escalation rules at given times (issue 6, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directive.domain.escalation import (
    CircleAcks,
    CircleDecision,
    CircleStage,
    DistrictRelay,
    EscalationKind,
    check_circle,
    overdue_relays,
    should_close,
)
from directive.domain.model import DirectiveState, RelayMode

T0 = datetime(2026, 1, 26, 9, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(minutes=15)
W = timedelta(minutes=30)


def districts() -> list[DistrictRelay]:
    return [
        DistrictRelay("DST-BIKANER", relayed=True, handled=False),
        DistrictRelay("DST-CHURU", relayed=False, handled=False),
        DistrictRelay("DST-NAGAUR", relayed=False, handled=True),
    ]


def test_nothing_before_the_relay_deadline() -> None:
    early = DEADLINE - timedelta(seconds=1)
    assert (
        overdue_relays(DirectiveState.ACTIVE, RelayMode.MANUAL, DEADLINE, districts(), early) == []
    )


def test_manual_mode_escalates_each_unrelayed_district_once() -> None:
    got = overdue_relays(DirectiveState.ACTIVE, RelayMode.MANUAL, DEADLINE, districts(), DEADLINE)
    assert [(a.district_id, a.auto_relay) for a in got] == [("DST-CHURU", False)]


def test_automatic_mode_relays_at_the_deadline_instead() -> None:
    got = overdue_relays(
        DirectiveState.ACTIVE, RelayMode.AUTOMATIC, DEADLINE, districts(), DEADLINE
    )
    assert [(a.district_id, a.auto_relay) for a in got] == [("DST-CHURU", True)]


def test_a_cancelled_directive_escalates_nothing() -> None:
    later = DEADLINE + timedelta(hours=1)
    assert (
        overdue_relays(DirectiveState.CANCELLED, RelayMode.MANUAL, DEADLINE, districts(), later)
        == []
    )


def circle(stage: CircleStage, acked: int, targeted: int = 100) -> CircleAcks:
    return CircleAcks("CIR-NOKHA", T0, stage, targeted, acked)


def test_circle_under_threshold_after_one_window_goes_to_the_co_then_the_sp() -> None:
    assert check_circle(circle(CircleStage.WATCHING, 60), W, 0.8, T0 + W - timedelta(1)) is None
    first = check_circle(circle(CircleStage.WATCHING, 60), W, 0.8, T0 + W)
    assert first is not None and first.escalate == EscalationKind.ACK_TO_CO
    assert first.stage == CircleStage.CO_ESCALATED
    assert check_circle(circle(CircleStage.CO_ESCALATED, 70), W, 0.8, T0 + W * 1.5) is None
    second = check_circle(circle(CircleStage.CO_ESCALATED, 70), W, 0.8, T0 + 2 * W)
    assert second is not None and second.escalate == EscalationKind.ACK_TO_SP
    assert check_circle(circle(CircleStage.SP_ESCALATED, 70), W, 0.8, T0 + 9 * W) is None


def test_a_circle_at_the_threshold_is_done_for_good() -> None:
    done = check_circle(circle(CircleStage.WATCHING, 80), W, 0.8, T0 + W)
    assert done is not None and done.escalate is None and done.stage == CircleStage.SATISFIED
    caught_up = check_circle(circle(CircleStage.CO_ESCALATED, 95), W, 0.8, T0 + 2 * W)
    assert caught_up is not None and caught_up.escalate is None


def test_a_circle_without_recipients_is_never_behind() -> None:
    got = check_circle(circle(CircleStage.WATCHING, 0, targeted=0), W, 0.8, T0 + W)
    assert got is not None and got.escalate is None


def test_a_circle_still_being_fanned_out_is_judged_only_once_it_is_done() -> None:
    """A restart can hold a relay's fan-out past the window: 0 of 0 (or 10 of 12 made so far)
    is not the circle's share, so nothing is decided until the fan-out has finished."""
    for targeted, acked in ((0, 0), (12, 10)):
        early = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, targeted, acked, complete=False)
        assert check_circle(early, W, 0.8, T0 + 3 * W) is None
    done = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, complete=True)
    late = check_circle(done, W, 0.8, T0 + 3 * W)
    assert late is not None and late.escalate == EscalationKind.ACK_TO_CO


def test_expiry_closes_once() -> None:
    assert should_close(DirectiveState.ACTIVE, T0, T0)
    assert should_close(DirectiveState.CANCELLED, T0, T0 + W)
    assert not should_close(DirectiveState.CLOSED, T0, T0 + W)
    assert not should_close(DirectiveState.ACTIVE, T0 + W, T0)


def test_a_circle_with_members_the_provider_has_not_taken_is_held_not_judged() -> None:
    waiting = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, waiting=40)
    assert check_circle(waiting, W, 0.8, T0 + W - timedelta(1)) is None
    held = check_circle(waiting, W, 0.8, T0 + W)
    assert held == CircleDecision("CIR-NOKHA", CircleStage.WATCHING, None, T0 + W, True)
    # Held: every check restarts the clock while anyone waits.
    later = T0 + W + timedelta(minutes=7)
    still = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, waiting=3,
                       clock_from=T0 + W, held=True)  # fmt: skip
    assert check_circle(still, W, 0.8, later) == CircleDecision(
        "CIR-NOKHA", CircleStage.WATCHING, None, later, True
    )
    # Nobody waits: released with the clock of the last check that found someone waiting.
    reached = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, waiting=0,
                         clock_from=later, held=True)  # fmt: skip
    released = check_circle(reached, W, 0.8, later + timedelta(seconds=5))
    assert released == CircleDecision("CIR-NOKHA", CircleStage.WATCHING, None, later, False)
    judged = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, clock_from=later)
    assert check_circle(judged, W, 0.8, later + W - timedelta(1)) is None
    escalated = check_circle(judged, W, 0.8, later + W)
    assert escalated is not None and escalated.escalate == EscalationKind.ACK_TO_CO


def test_a_hold_in_the_second_window_keeps_the_stage_and_gives_a_whole_window() -> None:
    at = T0 + 2 * W
    c = CircleAcks("CIR-NOKHA", T0, CircleStage.CO_ESCALATED, 100, 10, waiting=5)
    held = check_circle(c, W, 0.8, at)
    # clock_from is set so that the stage's due time (clock + 2 windows) is a window from now
    assert held == CircleDecision("CIR-NOKHA", CircleStage.CO_ESCALATED, None, at - W, True)


def test_a_hold_ends_at_hold_max() -> None:
    hold_max = 3 * W
    c = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, waiting=100,
                   clock_from=T0 + 2 * W, held=True)  # fmt: skip
    got = check_circle(c, W, 0.8, T0 + hold_max, hold_max)
    assert got == CircleDecision("CIR-NOKHA", CircleStage.WATCHING, None, T0 + 2 * W, False)
    unheld = CircleAcks("CIR-NOKHA", T0, CircleStage.WATCHING, 100, 10, waiting=100,
                        clock_from=T0 + 2 * W)  # fmt: skip
    late = check_circle(unheld, W, 0.8, T0 + 3 * W, hold_max)
    assert late is not None and late.escalate == EscalationKind.ACK_TO_CO
