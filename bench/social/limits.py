"""The fastest any client could drain a queue of posts through an account's limits: the
benchmark's baseline ("the limits' own minimum").

A limit is `count` posts in any window of `window` seconds. Rolling windows (Instagram's
24-hour content publishing limit, a daily cap counted over the last 24 hours) allow post k at
the earliest `window` after post k - count; fixed windows (X's 15-minute windows, which reset at
`x-rate-limit-reset` and open when the first request of the window arrives) allow `count` posts,
then nothing until the window that began with the first of them ends. Posting each post at the
earliest instant every limit allows is optimal for both kinds (an earlier post never delays a
later one), so the greedy schedule below is the minimum, not an estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    window: float  # seconds
    rolling: bool = True  # False: a fixed window opened by its first post
    name: str = ""

    def scaled(self, scale: float) -> Limit:
        """The same count over a window `scale` times as long (the fakes' scaled-down clock)."""
        return Limit(self.count, self.window * scale, self.rolling, self.name)


def earliest_times(posts: int, limits: Sequence[Limit]) -> list[float]:
    """When each of `posts` posts goes out at the earliest, the first at 0."""
    times: list[float] = []
    window_start = {i: 0.0 for i, limit in enumerate(limits) if not limit.rolling}
    used = dict.fromkeys(window_start, 0)
    for k in range(posts):
        at = times[-1] if times else 0.0
        for limit in limits:
            if limit.rolling and k >= limit.count:
                at = max(at, times[k - limit.count] + limit.window)
        # Fixed windows: a full window pushes the post to its end, where a new one opens.
        moved = True
        while moved:
            moved = False
            for i, limit in enumerate(limits):
                if limit.rolling:
                    continue
                if at >= window_start[i] + limit.window:
                    window_start[i], used[i] = at, 0
                if used[i] >= limit.count:
                    at = window_start[i] + limit.window
                    window_start[i], used[i] = at, 0
                    moved = True
        for i in used:
            used[i] += 1
        times.append(at)
    return times


def minimum_drain(posts: int, limits: Sequence[Limit]) -> float:
    """Seconds from the first post to the last at the earliest (0 for at most one window)."""
    return earliest_times(posts, limits)[-1] if posts else 0.0
