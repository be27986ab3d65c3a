"""When an account may post next: our daily cap, the network's own quota, a scheduled time.

The daily cap is counted per calendar day where the cell works (Asia/Kolkata by default); the
network's quota is what its client last read (`SocialClient.limits()`: X's rate-limit headers,
Facebook's usage headers, Instagram's `content_publishing_limit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_start(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)


def cap_wait(posted_today: int, cap: int | None, now: datetime, zone: str) -> datetime | None:
    """The start of tomorrow when today's cap is used up, else None."""
    if cap is None or posted_today < cap:
        return None
    return day_start(now, zone) + timedelta(days=1)


def quota_wait(remaining: int | None, resets_at: datetime | None, now: datetime) -> datetime | None:
    """Until the network's window resets, when it says nothing is left."""
    if remaining is None or remaining > 0:
        return None
    return resets_at if resets_at and resets_at > now else None


def rolling_quota_frees_at(
    total: int | None, window: timedelta | None, posted: Sequence[datetime]
) -> datetime | None:
    """When a used-up rolling quota (Instagram: `quota_total` posts per `quota_duration`) frees
    its next place: the post that leaves the window first, a window after it went out. Known
    only when our own posts (oldest first) fill the quota; another client's would not show here.
    Our times are taken after the network answered, so the estimate is late, never early."""
    if total is None or window is None or total < 1 or len(posted) < total:
        return None
    return posted[len(posted) - total] + window


def quota_left(remaining: int | None, cap: int | None, posted_today: int) -> int | None:
    """Posts the account may still make now: the smaller of the network's and our cap's."""
    left = [
        n for n in (remaining, None if cap is None else max(0, cap - posted_today)) if n is not None
    ]
    return min(left) if left else None


@dataclass(frozen=True)
class Scheduling:
    """A network that publishes at a given time itself (Facebook: `scheduled_publish_time`
    10 minutes to 30 days ahead) is handed a scheduled post at once; any other waits for it."""

    min_lead: timedelta
    max_lead: timedelta


def hand_over(
    scheduled_for: datetime | None, now: datetime, scheduling: Scheduling | None
) -> tuple[datetime | None, datetime | None]:
    """(when the queue may send it, the time to ask the network to publish at, if any)."""
    if scheduled_for is None or scheduled_for <= now:
        return None, None
    if scheduling is None or scheduled_for - now < scheduling.min_lead:
        return scheduled_for, None
    if scheduled_for - now > scheduling.max_lead:
        return scheduled_for - scheduling.max_lead, None
    return None, scheduled_for
