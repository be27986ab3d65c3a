"""The per-number sliding window and the portfolio's rolling 24-hour quota."""

from __future__ import annotations

import random

from social_publisher.domain.pacing import DAY, Quota, SlidingWindow


def _max_in_any_window(times: list[float], span: float) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= span:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_never_more_than_the_cap_in_any_window_position_even_at_boundaries() -> None:
    window = SlidingWindow(cap=80, window=1.0)
    rng = random.Random(7)
    now, sent = 0.0, []
    while now < 30:
        # Bursty demand: a token bucket would let 2x the cap through across a second boundary.
        for _ in range(window.available(now)):
            window.record(now)
            sent.append(now)
        now += rng.choice([0.0005, 0.013, 0.2, 0.9999])
    assert _max_in_any_window(sent, 1.0) == 80
    assert len(sent) > 80 * 20  # and it does not starve


def test_wait_says_when_the_oldest_send_leaves_the_window() -> None:
    window = SlidingWindow(cap=2, window=1.0)
    window.record(10.0)
    window.record(10.4)
    assert window.available(10.5) == 0
    assert abs(window.wait(10.5) - 0.5) < 1e-9
    assert window.available(11.0001) == 1


def test_slow_down_cuts_once_per_quiet_period_and_recovers_to_the_cap() -> None:
    window = SlidingWindow(cap=1000, window=1.0, floor=10)
    assert window.slow_down(5.0)
    assert not window.slow_down(5.2)  # one burst of 130429 answers one too-fast second
    assert window.limit == 800
    window.recover(5.5, per_second=50, elapsed=0.5)
    assert window.limit == 800  # not while the cut is fresh
    for t in range(6, 8):
        assert window.slow_down(float(t), factor=0.5)
    assert window.limit == 200
    for t in range(9, 40):
        window.recover(float(t), per_second=50, elapsed=1.0)
    assert window.limit == 1000


def test_quota_counts_unique_members_in_a_rolling_day_and_warns_before_the_limit() -> None:
    quota = Quota(limit=5, warn_ratio=0.8)
    for i in range(4):
        quota.record(f"m{i}", 100.0 + i)
    assert quota.warning(104.0) and quota.used(104.0) == 4
    quota.record("m0", 105.0)  # the same member again costs nothing
    assert quota.used(105.0) == 4
    quota.record("m4", 106.0)
    assert not quota.allows("m5", 107.0)
    assert quota.allows("m2", 107.0)
    # m1 (sent at 101) leaves the window a day later; m0's latest send (105) keeps it counted.
    assert quota.frees_at(107.0) == 101.0 + DAY
    assert quota.allows("m5", 101.0 + DAY + 1)
    assert quota.used(101.0 + DAY + 1) == 3  # m1 and m2 have left; m0, m3, m4 remain
