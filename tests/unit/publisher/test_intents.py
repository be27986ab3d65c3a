"""How answers move one delivery's intent, and which receipts they publish."""

from __future__ import annotations

from datetime import UTC, datetime

from social_publisher.domain import intents
from social_publisher.domain.intents import Intent
from social_publisher.domain.outcomes import ProviderError, RetryPolicy
from social_publisher.domain.receipts import Receipt

NOW = datetime(2025, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy(base=1, max_attempts=3)


def _intent(channel: str = "whatsapp", kind: str = "template") -> Intent:
    return Intent(
        delivery_id="d", message_id="m", member_id="u", priority="routine", channel=channel,
        kind=kind, status=intents.PENDING, receipt=None, provider_message_id=None, attempts=1,
        possible_duplicate=False, fallback_from=None, next_attempt_at=None, answered_at=None,
        error=None,
    )  # fmt: skip


def _status(i: Intent, status: Receipt, error: ProviderError | None = None, *,
            channel: str = "whatsapp", has_sms: bool = True) -> list[Receipt]:  # fmt: skip
    emits = intents.status_update(
        i, status, NOW, error, channel=channel, provider_message_id="wamid.1",
        has_sms=has_sms, policy=POLICY,
    )  # fmt: skip
    return [e.receipt for e in emits]


def test_a_status_webhook_answers_a_pending_intent_so_it_is_never_resent() -> None:
    i = _intent()
    assert _status(i, Receipt.DELIVERED) == [Receipt.DELIVERED]
    assert i.status == intents.ACCEPTED and i.answered_at == NOW
    assert i.provider_message_id == "wamid.1"
    assert _status(i, Receipt.SENT) == []  # late "sent" after "delivered" is dropped


def test_undeliverable_falls_back_to_sms_without_publishing_failed() -> None:
    i = _intent()
    assert _status(i, Receipt.FAILED, ProviderError(131026, "undeliverable")) == []
    assert (i.channel, i.kind, i.fallback_from, i.status) == ("sms", "sms", "whatsapp", "retry")
    # A second failure of the old WhatsApp attempt changes nothing.
    assert _status(i, Receipt.FAILED, ProviderError(131026, "undeliverable")) == []
    assert i.channel == "sms"


def test_undeliverable_without_an_sms_number_fails_with_the_reason() -> None:
    i = _intent()
    out = _status(i, Receipt.FAILED, ProviderError(131026, "undeliverable"), has_sms=False)
    assert out == [Receipt.FAILED] and i.status == intents.FAILED
    assert i.error is not None and i.error["code"] == "131026"


def test_window_closed_falls_back_to_the_template() -> None:
    i = _intent(kind="interactive")
    assert _status(i, Receipt.FAILED, ProviderError(131047, "window")) == []
    assert (i.kind, i.status) == ("template", "retry")


def test_sms_acceptance_is_the_sent_receipt() -> None:
    i = _intent(channel="sms", kind="sms")
    assert [e.receipt for e in intents.accepted(i, "sms-1", NOW)] == [Receipt.SENT]
    assert _status(i, Receipt.DELIVERED, channel="sms") == [Receipt.DELIVERED]


def test_send_errors_are_retried_then_failed_and_a_late_answer_loses_to_a_webhook() -> None:
    i = _intent()
    error = ProviderError(131000, "Something went wrong", http_status=400)
    assert intents.send_error(i, error, NOW, has_sms=True, policy=POLICY) == []
    assert (i.status, i.attempts) == (intents.RETRY, 2)
    i.status = intents.PENDING
    intents.send_error(i, error, NOW, has_sms=True, policy=POLICY)
    i.status = intents.PENDING
    out = intents.send_error(i, error, NOW, has_sms=True, policy=POLICY)
    assert [e.receipt for e in out] == [Receipt.FAILED] and i.status == intents.FAILED
    assert out[0].retryable


def test_failed_after_delivered_is_ignored() -> None:
    i = _intent()
    _status(i, Receipt.DELIVERED)
    assert _status(i, Receipt.FAILED, ProviderError(131000, "x")) == []
    assert i.receipt is Receipt.DELIVERED
