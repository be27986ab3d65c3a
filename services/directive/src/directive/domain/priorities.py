"""Priorities and the deadlines each implies (issue 6, item 2); every value can be overridden."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from directive.domain.model import Deadlines, InvalidRequestError, Priority

__all__ = ["ACK_THRESHOLD", "DEFAULTS", "DEFAULT_LIFETIME", "Defaults", "Priority", "deadlines"]


@dataclass(frozen=True, slots=True)
class Defaults:
    relay_deadline: timedelta
    ack_window: timedelta


DEFAULTS: dict[Priority, Defaults] = {
    Priority.FLASH: Defaults(timedelta(minutes=15), timedelta(minutes=30)),
    Priority.URGENT: Defaults(timedelta(hours=2), timedelta(hours=4)),
    Priority.ROUTINE: Defaults(timedelta(hours=24), timedelta(hours=48)),
}
ACK_THRESHOLD = 0.8  # share of a circle's recipients that must acknowledge
DEFAULT_LIFETIME = timedelta(days=7)  # a directive without an expiry closes after this


def deadlines(
    priority: Priority,
    issued_at: datetime,
    *,
    relay_deadline: timedelta | None = None,
    ack_window: timedelta | None = None,
    ack_threshold: float | None = None,
    expires_at: datetime | None = None,
) -> Deadlines:
    """The directive's deadlines: the priority's defaults, each replaced by an override if given."""
    base = DEFAULTS[priority]
    relay = base.relay_deadline if relay_deadline is None else relay_deadline
    window = base.ack_window if ack_window is None else ack_window
    threshold = ACK_THRESHOLD if ack_threshold is None else ack_threshold
    if relay <= timedelta(0) or window <= timedelta(0):
        raise InvalidRequestError(
            "deadlines must be positive", detail_hi="समय-सीमा शून्य से अधिक होनी चाहिए"
        )
    if not 0 < threshold <= 1:
        raise InvalidRequestError(
            "the acknowledgement threshold is a share between 0 and 1",
            detail_hi="पावती की सीमा 0 और 1 के बीच का अनुपात होनी चाहिए",
        )
    expiry = issued_at + DEFAULT_LIFETIME if expires_at is None else expires_at
    if expiry <= issued_at:
        raise InvalidRequestError(
            "the expiry must lie in the future", detail_hi="समाप्ति का समय भविष्य में होना चाहिए"
        )
    return Deadlines(issued_at + relay, window, threshold, expiry)
