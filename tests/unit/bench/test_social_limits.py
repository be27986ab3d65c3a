"""bench/social's baseline: the earliest schedule an account's limits allow."""

from __future__ import annotations

import pytest

from bench.social.limits import Limit, earliest_times, minimum_drain


def test_a_rolling_window_lets_the_next_batch_go_one_window_after_the_first() -> None:
    day = Limit(100, 86_400.0)
    assert minimum_drain(100, [day]) == 0.0
    assert minimum_drain(101, [day]) == 86_400.0
    assert minimum_drain(334, [day]) == 3 * 86_400.0
    times = earliest_times(250, [day])
    assert times[99] == 0.0 and times[100] == times[199] == 86_400.0 and times[200] == 172_800.0


def test_a_fixed_window_opens_with_its_first_post() -> None:
    quarter = Limit(200, 900.0, rolling=False)
    assert minimum_drain(200, [quarter]) == 0.0
    assert minimum_drain(201, [quarter]) == 900.0
    assert minimum_drain(401, [quarter]) == 1800.0


def test_several_limits_hold_at_once_the_strictest_decides() -> None:
    # X's POST /2/tweets per user: 200 per 15 minutes and 300 per 3 hours.
    limits = [Limit(200, 900.0, rolling=False), Limit(300, 10_800.0)]
    assert minimum_drain(300, limits) == 900.0  # 200 at once, 100 more when the window resets
    assert minimum_drain(301, limits) == 10_800.0  # the 3-hour window holds the 301st
    times = earliest_times(600, limits)
    assert all(
        sum(1 for t in times if start <= t < start + 10_800.0) <= 300 for start in times
    )  # never more than 300 in any 3 hours


def test_a_scaled_clock_keeps_the_counts_and_shrinks_the_windows() -> None:
    day = Limit(100, 86_400.0, name="instagram")
    fast = day.scaled(1 / 1440)
    assert (fast.count, fast.name) == (100, "instagram")
    assert fast.window == pytest.approx(60.0)
    assert minimum_drain(333, [fast]) == pytest.approx(3 * 60.0)
