"""The outcome table of issue 5, item 2, as pure decisions."""

from __future__ import annotations

import pytest
from social_publisher.domain.outcomes import (
    ProviderError,
    Reaction,
    RetryPolicy,
    Step,
    plan,
    react,
    retryable,
)

POLICY = RetryPolicy(base=1, cap=60, max_attempts=4, back_off_base=30, recipient_hold=6)


@pytest.mark.parametrize(
    ("error", "reaction"),
    [
        (ProviderError(130429, "Rate limit hit", http_status=400), Reaction.SLOW_SENDER),
        (ProviderError(None, "Too Many Requests", http_status=429), Reaction.SLOW_SENDER),
        (ProviderError(131056, "pair rate limit", http_status=400), Reaction.DELAY_RECIPIENT),
        (ProviderError(131048, "spam rate limit", http_status=400), Reaction.BACK_OFF),
        (ProviderError(131049, "per-user limit", http_status=400), Reaction.BACK_OFF),
        (ProviderError(190, "token expired", http_status=401), Reaction.PAUSE_CHANNEL),
        (ProviderError(132000, "param count", http_status=400), Reaction.FAIL),
        (ProviderError(132001, "no template", http_status=404), Reaction.FAIL),
        (ProviderError(132015, "template paused", http_status=400), Reaction.FAIL),
        (ProviderError(131026, "undeliverable"), Reaction.FALLBACK_SMS),
        (ProviderError(131047, "window closed"), Reaction.FALLBACK_TEMPLATE),
        (ProviderError(131000, "something went wrong", http_status=500), Reaction.CHANNEL_DOWN),
        (ProviderError(None, "refused", transport=True), Reaction.CHANNEL_DOWN),
        (ProviderError(None, "timeout", transport=True, maybe_sent=True), Reaction.UNKNOWN),
        (ProviderError(131000, "something went wrong", http_status=400), Reaction.RETRY),
        (ProviderError(100, "Invalid parameter", http_status=400), Reaction.RETRY),
    ],
)
def test_each_error_code_has_its_reaction(error: ProviderError, reaction: Reaction) -> None:
    assert react(error) is reaction


def test_a_5xx_inside_a_status_webhook_is_a_message_failure_not_an_outage() -> None:
    error = ProviderError(131000, "something went wrong", http_status=500)
    assert react(error, in_status=True) is Reaction.RETRY


def test_throughput_errors_never_consume_attempts_nor_fail_the_message() -> None:
    step = plan(ProviderError(130429, "Rate limit hit"), attempts=99, policy=POLICY)
    assert step.step is Step.RESEND and not step.counts_attempt
    assert step.delay == POLICY.throttle_retry


def test_pair_rate_limit_holds_that_recipient_for_the_pair_interval_and_grows() -> None:
    first = plan(ProviderError(131056, "pair"), attempts=1, policy=POLICY)
    second = plan(ProviderError(131056, "pair"), attempts=2, policy=POLICY)
    assert (first.step, first.delay, second.delay) == (Step.RESEND, 6, 12)


def test_spam_and_per_user_limits_back_off_long_then_fail_after_max_attempts() -> None:
    assert plan(ProviderError(131048, "spam"), 1, POLICY).delay == 30
    assert plan(ProviderError(131049, "user"), 3, POLICY).delay == 120
    last = plan(ProviderError(131048, "spam"), 4, POLICY)
    assert last.step is Step.FAIL


def test_anything_else_is_retried_with_exponential_backoff_then_failed() -> None:
    error = ProviderError(131000, "Something went wrong", http_status=400)
    delays = [plan(error, n, POLICY).delay for n in (1, 2, 3)]
    assert delays == [1, 2, 4]
    assert plan(error, 4, POLICY).step is Step.FAIL


def test_template_problems_fail_at_once_and_are_not_retryable() -> None:
    error = ProviderError(132001, "Template name does not exist in the translation")
    assert plan(error, 1, POLICY).step is Step.FAIL
    assert not retryable(error)


def test_token_and_outage_hold_the_work_without_spending_attempts() -> None:
    for error in (ProviderError(190, "expired"), ProviderError(None, "x", transport=True)):
        step = plan(error, 1, POLICY)
        assert step.step is Step.HOLD and not step.counts_attempt


def test_a_request_that_may_have_arrived_waits_for_its_webhook() -> None:
    step = plan(ProviderError(None, "timeout", transport=True, maybe_sent=True), 1, POLICY)
    assert step.step is Step.WAIT_FOR_WEBHOOK


def test_status_failures_route_to_fallbacks() -> None:
    assert plan(ProviderError(131026, "u"), 1, POLICY, in_status=True).step is Step.FALLBACK_SMS
    step = plan(ProviderError(131047, "w"), 1, POLICY, in_status=True)
    assert step.step is Step.FALLBACK_TEMPLATE
