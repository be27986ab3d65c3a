"""Escalation rules (issue 6, item 7), decided from state and a given time — never the clock.

* Relay: a district whose SP has not relayed by the relay deadline is escalated to the range IG
  (manual mode) or relayed automatically (automatic mode). Once per district.
* Acknowledgement: a relayed circle whose acknowledged share is under the threshold one ack window
  after its relay is escalated to its CO; if it is still under after a second window of the same
  length, to its SP. A circle found at or above the threshold is done for good (acknowledgements
  never go away).
* A provider outage: members the provider has not taken yet (no sent and no failed receipt) have
  not been asked. A circle with such members when its window ends is not judged; it is *held*,
  and while held its clock restarts at every check (`CircleDecision.clock_from`). Once none is
  waiting, it is released with the clock of the last check that found one waiting: the circle
  gets a whole window from (within a scheduler tick of) its last member's reach. A hold lasts at
  most `hold_max` from the relay, so a receipt that never comes cannot silence a circle for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from directive.domain.model import DirectiveState, RelayMode


class EscalationKind(StrEnum):
    RELAY_OVERDUE = "relay_overdue"  # SP did not relay → IG
    ACK_TO_CO = "ack_to_co"  # circle under threshold after one window → CO
    ACK_TO_SP = "ack_to_sp"  # still under after two windows → SP


class CircleStage(IntEnum):
    WATCHING = 0  # window not over yet
    CO_ESCALATED = 1
    SP_ESCALATED = 2
    SATISFIED = 3  # reached the threshold at a check: nothing more to do


@dataclass(frozen=True, slots=True)
class DistrictRelay:
    district_id: str
    relayed: bool
    handled: bool  # escalated or auto-relayed already


@dataclass(frozen=True, slots=True)
class RelayAction:
    district_id: str
    auto_relay: bool  # False: escalate to the IG


def overdue_relays(
    state: DirectiveState,
    mode: RelayMode,
    relay_deadline: datetime,
    districts: list[DistrictRelay],
    now: datetime,
) -> list[RelayAction]:
    if state != DirectiveState.ACTIVE or now < relay_deadline:
        return []
    return [
        RelayAction(d.district_id, auto_relay=mode == RelayMode.AUTOMATIC)
        for d in districts
        if not d.relayed and not d.handled
    ]


@dataclass(frozen=True, slots=True)
class CircleAcks:
    circle_id: str
    relayed_at: datetime
    stage: CircleStage
    targeted: int
    acknowledged: int
    # The relay's fan-out has made every delivery: until then the counts are not the circle's.
    complete: bool = True
    waiting: int = 0  # deliveries the provider has not answered yet (neither sent nor failed)
    clock_from: datetime | None = None  # None: the relay; else where the held clock restarted
    held: bool = False


@dataclass(frozen=True, slots=True)
class CircleDecision:
    circle_id: str
    stage: CircleStage  # the stage the circle moves to
    escalate: EscalationKind | None
    # A hold or its release: the circle's clock and whether it is held (None: unchanged).
    clock_from: datetime | None = None
    held: bool | None = None


DEFAULT_HOLD_MAX = timedelta(hours=6)


def _under(c: CircleAcks, threshold: float) -> bool:
    # A circle with nobody to acknowledge cannot be behind.
    return c.targeted > 0 and c.acknowledged < threshold * c.targeted


_WINDOWS_BEFORE = {CircleStage.WATCHING: 0, CircleStage.CO_ESCALATED: 1}


def check_circle(
    c: CircleAcks,
    window: timedelta,
    threshold: float,
    now: datetime,
    hold_max: timedelta = DEFAULT_HOLD_MAX,
) -> CircleDecision | None:
    """The circle's next stage, if it changes now. A circle whose fan-out is still running (a
    restart delayed it past the window) is judged once it is done, never on a partial count;
    one with members the provider has not taken yet is held (see the module's docstring)."""
    if not c.complete or c.stage not in _WINDOWS_BEFORE:
        return None
    before = _WINDOWS_BEFORE[c.stage]
    may_hold = c.waiting > 0 and now < c.relayed_at + hold_max
    if c.held:
        if may_hold:  # still waiting: the clock restarts here
            return CircleDecision(c.circle_id, c.stage, None, now - before * window, True)
        return CircleDecision(c.circle_id, c.stage, None, c.clock_from, False)
    if now < (c.clock_from or c.relayed_at) + (before + 1) * window:
        return None
    if may_hold:
        return CircleDecision(c.circle_id, c.stage, None, now - before * window, True)
    if not _under(c, threshold):
        return CircleDecision(c.circle_id, CircleStage.SATISFIED, None)
    if c.stage == CircleStage.WATCHING:
        return CircleDecision(c.circle_id, CircleStage.CO_ESCALATED, EscalationKind.ACK_TO_CO)
    return CircleDecision(c.circle_id, CircleStage.SP_ESCALATED, EscalationKind.ACK_TO_SP)


def should_close(state: DirectiveState, expires_at: datetime, now: datetime) -> bool:
    return state != DirectiveState.CLOSED and now >= expires_at
