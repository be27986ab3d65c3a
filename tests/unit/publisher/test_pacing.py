"""The per-number sliding window and the portfolio's rolling 24-hour quota."""

from __future__ import annotations

import random
from collections import Counter

from social_publisher.domain.pacing import DAY, Quota, SlidingWindow, Spacer


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


def test_quota_shared_counts_the_other_instances_members_from_the_last_sync() -> None:
    quota = Quota(limit=10)
    quota.record("m0", 100.0, counted=True)  # loaded at startup: already in the database
    quota.record("m1", 100.5)
    assert quota.unsynced() == {"m1": 100.5}
    # The database now holds m1 too, and the other instances' members: 8 in all.
    quota.synced(quota.unsynced(), 8)
    assert quota.unsynced() == {} and quota.used(101.0) == 8
    quota.record("m2", 101.0)
    quota.record("m2", 101.2)  # the same member again costs nothing
    assert quota.used(101.5) == 9
    quota.record("m3", 101.5)
    assert quota.used(101.6) == 10
    assert not quota.allows("m4", 101.6)
    assert quota.allows("m1", 101.6)  # counted already
    # The members filling it are mostly the others': when they leave is not known here.
    assert quota.frees_at(101.6) == 101.6 + quota.recheck
    quota.synced(quota.unsynced(), 7)  # some of the others' members left the rolling day
    assert quota.allows("m4", 102.0)


def _starts(spacer: Spacer, ticks: list[float], demand: int = 10_000) -> list[float]:
    """Start times when the pacer wakes at `ticks` with `demand` jobs waiting each time."""
    out: list[float] = []
    for now in ticks:
        n = min(demand, spacer.allowance(now))
        out += [now] * n
        spacer.took(now, n)
    return out


def test_spacer_spreads_starts_evenly_at_the_rate() -> None:
    spacer = Spacer(975.0, slack=0.025 / 0.975)
    ticks = [i * 0.004 for i in range(5000)]  # 20 s of 4 ms ticks
    starts = _starts(spacer, ticks)
    rate = len(starts) / 20.0
    assert 970 <= rate <= 980
    # Never a burst: one tick holds what 4 ms (plus the first tick's catch-up) allows.
    per_tick = Counter(starts)
    assert max(per_tick[t] for t in ticks[1:]) <= 5
    assert _max_in_any_window(starts, 1.0) <= 1000


def test_spacer_catches_up_only_the_slack_after_a_late_wake_up() -> None:
    share = 0.975
    spacer = Spacer(share * 1000, slack=(1 - share) / share)
    rng = random.Random(3)
    now, ticks, lost = 0.0, [], 0.0
    while now < 60:
        ticks.append(now)
        # A busy machine: mostly 4 ms, one tick in 50 woken 10-60 ms late.
        step = 0.004 if rng.random() < 0.98 else rng.uniform(0.01, 0.06)
        lost += max(0.0, step - spacer.slack)
        now += step
    starts = _starts(spacer, ticks)
    # A late tick catches up at most the headroom (25 starts), so no second holds more than
    # about the cap; what a tick was late beyond the slack is lost, not sent as a burst.
    assert max(Counter(starts).values()) <= 1 + 25  # the start due now, and the catch-up
    assert _max_in_any_window(starts, 1.0) <= 1000
    expected = 975 * (60 - lost)
    assert abs(len(starts) - expected) < 0.01 * expected
    assert len(starts) / 60 > 0.95 * 975


def test_spacer_follows_a_lowered_rate_and_says_when_the_next_start_is_due() -> None:
    spacer = Spacer(100.0)
    assert spacer.allowance(0.0) == 1
    spacer.took(0.0, 1)
    assert spacer.allowance(0.005) == 0
    assert abs(spacer.wait(0.005) - 0.005) < 1e-9
    assert spacer.allowance(0.01) == 1
    spacer.took(0.01, 1)
    spacer.rate = 10.0  # after a throughput error the limit (and so the pace) drops
    spacer.took(0.02, 1)
    assert abs(spacer.wait(0.02) - 0.1) < 1e-9
