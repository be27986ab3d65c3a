"""The publishing queue's pure rules: the post's state machine and what each ErrorKind does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from social_publisher.domain.posts import (
    MOVES,
    OPEN,
    IllegalMoveError,
    Outcome,
    PostState,
    RetryRules,
    back_off,
    move,
    react,
)
from social_publisher.domain.social import ErrorKind, Network, SocialError

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
RULES = RetryRules(
    base=timedelta(seconds=30), cap=timedelta(minutes=30), max_attempts=3, jitter=0.2
)


def error(kind: ErrorKind, code: str = "x", retry_at: datetime | None = None) -> SocialError:
    return SocialError(kind, Network.X, code, "कारण / reason", retry_at=retry_at)


def test_a_post_goes_queued_in_flight_posted_and_can_be_withdrawn() -> None:
    state = PostState.QUEUED
    for to in (PostState.IN_FLIGHT, PostState.POSTED, PostState.WITHDRAWING, PostState.WITHDRAWN):
        state = move(state, to)
    assert state is PostState.WITHDRAWN
    assert MOVES[PostState.WITHDRAWN] == frozenset()


def test_instagram_withdrawal_goes_through_a_task() -> None:
    assert move(PostState.WITHDRAWING, PostState.WITHDRAWAL_TASK) is PostState.WITHDRAWAL_TASK
    assert move(PostState.WITHDRAWAL_TASK, PostState.WITHDRAWN) is PostState.WITHDRAWN


@pytest.mark.parametrize(
    ("frm", "to"),
    [
        (PostState.POSTED, PostState.QUEUED),  # never posted twice
        (PostState.POSTED, PostState.IN_FLIGHT),
        (PostState.UNCLEAR, PostState.IN_FLIGHT),  # an unclear post is reconciled first
        (PostState.WITHDRAWN, PostState.QUEUED),
        (PostState.FAILED, PostState.POSTED),
    ],
)
def test_moves_that_would_break_one_post_per_request_are_refused(
    frm: PostState, to: PostState
) -> None:
    with pytest.raises(IllegalMoveError):
        move(frm, to)


def test_open_states_are_the_queues_work() -> None:
    assert {
        PostState.QUEUED,
        PostState.IN_FLIGHT,
        PostState.UNCLEAR,
        PostState.WITHDRAWING,
    } == OPEN


def test_rate_limited_waits_until_retry_at_and_the_account_waits_too() -> None:
    at = NOW + timedelta(minutes=15)
    r = react(error(ErrorKind.RATE_LIMITED, "429", at), retries=1, now=NOW, rules=RULES, rand=0.5)
    assert (r.state, r.next_attempt_at, r.account_wait_until) == (PostState.QUEUED, at, at)
    assert r.retries == 1  # not the post's fault: no attempt used up
    assert not r.fail


def test_rate_limited_without_a_time_backs_off() -> None:
    r = react(error(ErrorKind.RATE_LIMITED, "80002"), retries=0, now=NOW, rules=RULES, rand=0.5)
    assert r.next_attempt_at == NOW + timedelta(seconds=30)


def test_transient_backs_off_with_jitter_then_fails_retryable() -> None:
    first = react(error(ErrorKind.TRANSIENT), retries=0, now=NOW, rules=RULES, rand=0.0)
    assert first.state is PostState.QUEUED and first.retries == 1
    assert first.next_attempt_at == NOW + timedelta(seconds=24)  # 30 s - 20 %
    second = react(error(ErrorKind.TRANSIENT), retries=1, now=NOW, rules=RULES, rand=0.999999)
    assert second.next_attempt_at is not None
    assert second.next_attempt_at - NOW == pytest.approx(
        timedelta(seconds=72), abs=timedelta(seconds=0.01)
    )
    last = react(error(ErrorKind.TRANSIENT, "503"), retries=2, now=NOW, rules=RULES, rand=0.5)
    assert (last.state, last.fail, last.retryable) == (PostState.FAILED, True, True)


def test_back_off_is_capped() -> None:
    assert back_off(RULES, 20, 0.5) == timedelta(minutes=30)


def test_unclear_is_reconciled_before_any_retry() -> None:
    r = react(error(ErrorKind.UNCLEAR, "timeout"), retries=0, now=NOW, rules=RULES, rand=0.5)
    assert (r.state, r.outcome, r.fail) == (PostState.UNCLEAR, Outcome.UNCLEAR, False)


def test_refused_fails_for_good() -> None:
    r = react(error(ErrorKind.REFUSED, "506"), retries=0, now=NOW, rules=RULES, rand=0.5)
    assert (r.state, r.fail, r.retryable) == (PostState.FAILED, True, False)


def test_account_error_stops_the_account_and_the_post_waits() -> None:
    r = react(error(ErrorKind.ACCOUNT, "190"), retries=0, now=NOW, rules=RULES, rand=0.5)
    assert (r.state, r.stop_account, r.fail, r.next_attempt_at) == (
        PostState.QUEUED,
        True,
        False,
        None,
    )
