"""When an account may post: the daily cap (per day in Asia/Kolkata), the network's quota, and
scheduled posts (Facebook publishes them itself 10 minutes to 30 days ahead)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from social_publisher.domain.quota import (
    Scheduling,
    cap_wait,
    day_start,
    hand_over,
    quota_left,
    quota_wait,
    rolling_quota_frees_at,
)

ZONE = "Asia/Kolkata"
NOW = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 01:30 on 4 December in Jaipur
FB = Scheduling(timedelta(minutes=10), timedelta(days=30))


def test_the_day_is_jaipurs() -> None:
    assert day_start(NOW, ZONE) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)


def test_cap_used_up_waits_until_tomorrow() -> None:
    assert cap_wait(9, 10, NOW, ZONE) is None
    assert cap_wait(10, 10, NOW, ZONE) == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert cap_wait(500, None, NOW, ZONE) is None


def test_quota_at_zero_waits_for_the_reset() -> None:
    reset = NOW + timedelta(minutes=7)
    assert quota_wait(0, reset, NOW) == reset
    assert quota_wait(3, reset, NOW) is None
    assert quota_wait(None, None, NOW) is None
    assert quota_wait(0, NOW - timedelta(seconds=1), NOW) is None  # already reset


def test_quota_left_is_the_smaller_of_the_networks_and_ours() -> None:
    assert quota_left(25, 10, 4) == 6
    assert quota_left(2, 10, 4) == 2
    assert quota_left(None, None, 4) is None
    assert quota_left(None, 3, 7) == 0


def test_scheduled_posts() -> None:
    assert hand_over(None, NOW, FB) == (None, None)
    in_an_hour = NOW + timedelta(hours=1)
    assert hand_over(in_an_hour, NOW, FB) == (None, in_an_hour)  # Facebook schedules it
    assert hand_over(in_an_hour, NOW, None) == (in_an_hour, None)  # X waits in the queue
    soon = NOW + timedelta(minutes=5)
    assert hand_over(soon, NOW, FB) == (soon, None)  # too close for Facebook: we post then
    far = NOW + timedelta(days=40)
    assert hand_over(far, NOW, FB) == (far - timedelta(days=30), None)
    assert hand_over(NOW - timedelta(minutes=1), NOW, FB) == (None, None)


def test_a_used_up_rolling_quota_frees_when_its_oldest_post_leaves_the_window() -> None:
    day = timedelta(hours=24)
    posted = [NOW - timedelta(hours=h) for h in (23, 20, 5, 1)]  # oldest first
    # Four of ours fill a quota of four: a place frees 24 h after the oldest (in 1 h).
    assert rolling_quota_frees_at(4, day, posted) == NOW + timedelta(hours=1)
    # A quota of three with four of ours in the window: the second oldest must leave too.
    assert rolling_quota_frees_at(3, day, posted) == NOW + timedelta(hours=4)
    # Fewer of ours than the quota: someone else's posts count too, and we cannot tell when.
    assert rolling_quota_frees_at(5, day, posted) is None
    assert rolling_quota_frees_at(4, None, posted) is None
    assert rolling_quota_frees_at(None, day, posted) is None
