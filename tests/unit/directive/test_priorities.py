"""Priorities imply deadlines (issue 6, item 2), each overridable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from directive.domain.model import InvalidRequestError
from directive.domain.priorities import ACK_THRESHOLD, DEFAULT_LIFETIME, Priority, deadlines

T0 = datetime(2026, 1, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "relay", "window"),
    [
        (Priority.FLASH, timedelta(minutes=15), timedelta(minutes=30)),
        (Priority.URGENT, timedelta(hours=2), timedelta(hours=4)),
        (Priority.ROUTINE, timedelta(hours=24), timedelta(hours=48)),
    ],
)
def test_defaults_per_priority(priority: Priority, relay: timedelta, window: timedelta) -> None:
    d = deadlines(priority, T0)
    assert d.relay_deadline == T0 + relay
    assert d.ack_window == window
    assert d.ack_threshold == ACK_THRESHOLD == 0.8
    assert d.expires_at == T0 + DEFAULT_LIFETIME


def test_every_default_can_be_overridden() -> None:
    expiry = T0 + timedelta(days=2)
    d = deadlines(
        Priority.FLASH,
        T0,
        relay_deadline=timedelta(seconds=5),
        ack_window=timedelta(seconds=7),
        ack_threshold=0.6,
        expires_at=expiry,
    )
    assert (d.relay_deadline, d.ack_window, d.ack_threshold, d.expires_at) == (
        T0 + timedelta(seconds=5),
        timedelta(seconds=7),
        0.6,
        expiry,
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"relay_deadline": timedelta(0)},
        {"ack_window": timedelta(seconds=-1)},
        {"ack_threshold": 0.0},
        {"ack_threshold": 1.5},
        {"expires_at": T0},
    ],
)
def test_nonsense_overrides_are_refused_in_both_languages(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        deadlines(Priority.URGENT, T0, **overrides)  # type: ignore[arg-type]
    assert caught.value.detail and any("\u0900" <= c <= "\u097f" for c in caught.value.detail_hi)
