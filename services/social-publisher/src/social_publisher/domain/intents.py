"""One delivery's intent and how each answer changes it (the one-send-per-delivery record).

An intent is written before the provider is called (`status=pending`). Every answer then moves
it: the provider's synchronous answer, a status webhook, a send error, a refusal. These functions
are the only place that decides the new state and which receipts to publish; the store loads the
rows under lock, calls them, and writes the result back with the outbox events.

    pending --answer or status webhook--> accepted
    pending --error, not sent--> retry (next_attempt_at) --claimed--> pending
    pending --no answer for `answer_wait`--> pending again, resent, possible_duplicate
    any --fatal error / attempts exhausted--> failed (receipt `failed`, terminal)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from social_publisher.domain import receipts
from social_publisher.domain.outcomes import ProviderError, RetryPolicy, Step, plan, retryable
from social_publisher.domain.receipts import Receipt

PENDING, ACCEPTED, RETRY, FAILED, REFUSED = "pending", "accepted", "retry", "failed", "refused"


@dataclass(slots=True)
class Intent:
    delivery_id: str
    message_id: str
    member_id: str
    priority: str
    channel: str  # whatsapp | sms
    kind: str  # template | interactive | sms
    status: str
    receipt: Receipt | None
    provider_message_id: str | None
    attempts: int
    possible_duplicate: bool
    fallback_from: str | None
    next_attempt_at: datetime | None
    answered_at: datetime | None
    error: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class Emit:
    """A receipt to publish for the intent (its channel and ids are read from the intent)."""

    receipt: Receipt
    at: datetime
    error: ProviderError | None = None
    retryable: bool = False


def _error_dict(error: ProviderError) -> dict[str, object]:
    return {"code": error.code_text, "title": error.title, "detail": error.detail}


def _fail(intent: Intent, error: ProviderError, at: datetime) -> list[Emit]:
    intent.status = FAILED
    intent.error = _error_dict(error)
    if receipts.advances(intent.receipt, Receipt.FAILED):
        intent.receipt = Receipt.FAILED
        return [Emit(Receipt.FAILED, at, error, retryable(error))]
    return []


def _reschedule(intent: Intent, at: datetime, delay: float, *, counts: bool) -> None:
    intent.status = RETRY
    intent.next_attempt_at = at + timedelta(seconds=delay)
    if counts:
        intent.attempts += 1


def accepted(intent: Intent, provider_message_id: str, at: datetime) -> list[Emit]:
    """The provider's synchronous answer: the message was accepted."""
    intent.answered_at = intent.answered_at or at
    if intent.status == PENDING:
        intent.status = ACCEPTED
        intent.provider_message_id = provider_message_id
        intent.error = None
    elif intent.provider_message_id is None:
        intent.provider_message_id = provider_message_id
    # The SMS gateway reports no "sent" of its own: its acceptance is the sent receipt.
    if intent.channel == "sms" and receipts.advances(intent.receipt, Receipt.SENT):
        intent.receipt = Receipt.SENT
        return [Emit(Receipt.SENT, at)]
    return []


def failed_permanently(intent: Intent, error: ProviderError, at: datetime) -> list[Emit]:
    """A refusal with no way left (e.g. no consent, expired): a failed receipt, never silence."""
    return _fail(intent, error, at)


def defer(intent: Intent, until: datetime) -> None:
    """Not sent, not the message's fault (quota used up, channel down): try again later."""
    if intent.status == PENDING:
        intent.status = RETRY
        intent.next_attempt_at = until


def send_error(
    intent: Intent, error: ProviderError, at: datetime, *, has_sms: bool, policy: RetryPolicy
) -> list[Emit]:
    """A synchronous error from the provider for the attempt in hand."""
    if intent.status != PENDING:
        return []  # already answered by a webhook: that answer wins
    return _react(intent, error, at, has_sms=has_sms, policy=policy, in_status=False)


def status_update(
    intent: Intent,
    status: Receipt,
    at: datetime,
    error: ProviderError | None,
    *,
    channel: str,
    provider_message_id: str,
    has_sms: bool,
    policy: RetryPolicy,
) -> list[Emit]:
    """A status from a webhook. Any status proves the provider got the message: that answers a
    pending intent, so it is never resent (the one-send rule's wait ends here)."""
    intent.answered_at = intent.answered_at or at
    if intent.status == PENDING:
        intent.status = ACCEPTED
    if intent.provider_message_id is None:
        intent.provider_message_id = provider_message_id
    if status is not Receipt.FAILED:
        if receipts.advances(intent.receipt, status):
            intent.receipt = status
            return [Emit(status, at)]
        return []
    # A failure of an attempt that is no longer the live one (after a fallback or a resend that
    # was already scheduled) changes nothing.
    if channel != intent.channel or intent.status in (RETRY, FAILED, REFUSED):
        return []
    if intent.receipt in (Receipt.DELIVERED, Receipt.READ):
        return []
    return _react(
        intent,
        error or ProviderError(None, "failed", "the provider reported the message failed"),
        at,
        has_sms=has_sms,
        policy=policy,
        in_status=True,
    )


def _react(
    intent: Intent,
    error: ProviderError,
    at: datetime,
    *,
    has_sms: bool,
    policy: RetryPolicy,
    in_status: bool,
) -> list[Emit]:
    step = plan(error, intent.attempts, policy, in_status=in_status)
    intent.error = _error_dict(error)
    if step.step is Step.FALLBACK_SMS:
        if intent.channel == "whatsapp" and has_sms and intent.fallback_from is None:
            intent.channel, intent.kind, intent.fallback_from = "sms", "sms", "whatsapp"
            _reschedule(intent, at, 0.0, counts=False)
            return []
        return _fail(intent, error, at)
    if step.step is Step.FALLBACK_TEMPLATE:
        if intent.kind == "interactive":
            intent.kind = "template"
            _reschedule(intent, at, 0.0, counts=False)
            return []
        return _fail(intent, error, at)
    if step.step is Step.FAIL:
        return _fail(intent, error, at)
    if step.step is Step.WAIT_FOR_WEBHOOK:
        return []  # stays pending: the orphan sweep decides after `answer_wait`
    # RESEND, or HOLD (channel down or paused: the sender closed the gate already).
    delay = step.delay if step.step is Step.RESEND else 1.0
    _reschedule(intent, at, delay, counts=step.counts_attempt)
    return []
