"""Rate and quota, as pure state machines driven by the caller's clock.

`SlidingWindow` caps sends per sender number: at most `limit` sends in ANY window of `window`
seconds, not just in each calendar second. A token or leaky bucket would let a full bucket go at
the end of one second and a refill at the start of the next (twice the cap in one second as the
provider measures it); the window here remembers the last `limit` send times, so the cap holds for
every window position. `window` is a little over one second so that network jitter between our
clock and the provider's cannot squeeze two windows' worth into one of theirs.

`Spacer` spreads a number's starts evenly at a share of its limit (`pace_share`, 0.975 by
default): the window alone would let a whole second's worth leave at once when work arrives after
a pause, and the provider's clock (which counts arrivals, not our starts) sees a burst as more
than the cap when the network or the CPU delays part of it. Spaced starts leave `1 - pace_share`
of the cap as headroom for that jitter.

`Quota` counts the portfolio's rolling 24-hour messaging limit: unique members sent a template
(business-initiated, outside a customer-service window) in the last 24 hours. Every sender number
of the portfolio shares it (Meta: "Messaging limits", set at the business portfolio level), so
several publisher instances share one count: each adds its new members to the database and reads
the total back every second (`workers.quota`); `synced` takes that total here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

DAY = 86_400.0


class SlidingWindow:
    """At most `limit` events in any `window`-second span; `limit` may be lowered and restored."""

    def __init__(self, cap: int, window: float = 1.0, *, floor: int = 1) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.cap = cap
        self.window = window
        self.floor = max(1, min(floor, cap))
        self.limit = float(cap)
        self._times: deque[float] = deque()
        self._last_cut = float("-inf")

    def _expire(self, now: float) -> None:
        edge = now - self.window
        times = self._times
        while times and times[0] <= edge:
            times.popleft()

    def available(self, now: float) -> int:
        """How many events may happen at `now` without breaking the cap."""
        self._expire(now)
        return max(0, int(self.limit) - len(self._times))

    def wait(self, now: float) -> float:
        """Seconds until one more event is allowed (0 when allowed now)."""
        self._expire(now)
        limit = int(self.limit)
        if len(self._times) < limit:
            return 0.0
        # The event `limit` places back must leave the window first.
        return self._times[len(self._times) - limit] + self.window - now

    def record(self, now: float, n: int = 1) -> None:
        self._times.extend([now] * n)

    def in_window(self, now: float) -> int:
        self._expire(now)
        return len(self._times)

    def slow_down(self, now: float, factor: float = 0.8, quiet: float = 1.0) -> bool:
        """Lower the limit after a throughput error; at most once per `quiet` seconds, because
        one burst of errors answers one too-fast second. True when the limit changed."""
        if now - self._last_cut < quiet:
            return False
        self._last_cut = now
        self.limit = max(float(self.floor), self.limit * factor)
        return True

    def recover(self, now: float, per_second: float, elapsed: float) -> None:
        """Raise the limit back towards the cap, `per_second` events/s each second of calm."""
        if now - self._last_cut >= self.window:
            self.limit = min(float(self.cap), self.limit + per_second * elapsed)


class Spacer:
    """Starts spaced `1 / rate` seconds apart. After a late wake-up (or a pause) at most `slack`
    seconds' worth go at once to catch up; the rest of the delay is lost, never sent as a burst.
    With `slack = (1 - share) / share` for `rate = share * cap`, that catch-up is the headroom
    the share leaves, so any one second holds at most about the cap: rate + rate * slack."""

    def __init__(self, rate: float, *, slack: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.slack = max(0.0, slack)
        self._next = float("-inf")

    def allowance(self, now: float) -> int:
        """How many starts are due at `now`."""
        if now < self._next:
            return 0
        return 1 + int(min(now - self._next, self.slack) * self.rate)

    def took(self, now: float, n: int) -> None:
        """`n` starts happened at `now`: the next one is due `n / rate` after them."""
        if n > 0:
            self._next = max(self._next, now - self.slack) + n / self.rate

    def wait(self, now: float) -> float:
        """Seconds until the next start is due (0 when due now)."""
        return max(0.0, self._next - now)


@dataclass
class Quota:
    """Unique members messaged with a template in the last 24 hours, shared by a portfolio."""

    limit: int
    warn_ratio: float = 0.8
    span: float = DAY
    recheck: float = 60.0
    _last: dict[str, float] = field(default_factory=dict)
    _order: deque[tuple[float, str]] = field(default_factory=deque)
    # The portfolio's count as the database last said (every instance's members), and the
    # members this instance added since, not yet in that count.
    _shared: int = 0
    _fresh: dict[str, float] = field(default_factory=dict)

    def _expire(self, now: float) -> None:
        edge = now - self.span
        order, last = self._order, self._last
        while order:
            at, member = order[0]
            if last.get(member) != at:
                order.popleft()  # superseded by a later send to the same member
            elif at <= edge:
                order.popleft()
                del last[member]
                self._fresh.pop(member, None)
            else:
                break

    def used(self, now: float) -> int:
        self._expire(now)
        return max(len(self._last), self._shared + len(self._fresh))

    def allows(self, member_id: str, now: float) -> bool:
        """A member already counted costs nothing more; a new one needs a free place."""
        return member_id in self._last or self.used(now) < self.limit

    def record(self, member_id: str, now: float, *, counted: bool = False) -> None:
        """A member messaged at `now`; `counted`: already in the database's count (startup)."""
        self._expire(now)
        if member_id not in self._last and not counted:
            self._fresh[member_id] = now
        self._last[member_id] = now
        self._order.append((now, member_id))

    def unsynced(self) -> dict[str, float]:
        """Members this instance added since the last sync (to write to the database)."""
        return dict(self._fresh)

    def synced(self, written: dict[str, float], total: int) -> None:
        """The database holds `written` now, and counts `total` members for the portfolio."""
        for member in written:
            self._fresh.pop(member, None)
        self._shared = total

    def warning(self, now: float) -> bool:
        return self.used(now) >= self.limit * self.warn_ratio

    def frees_at(self, now: float) -> float:
        """When the oldest counted member drops out (now, if there is room already). When other
        instances' members fill the quota, their times are not known here: `recheck` later."""
        self._expire(now)
        if self.used(now) < self.limit:
            return now
        if len(self._last) < self.limit or not self._order:
            return now + self.recheck
        return self._order[0][0] + self.span
