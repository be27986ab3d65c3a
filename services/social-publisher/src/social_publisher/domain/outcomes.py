"""What to do about a provider's answer: the outcome table of issue 5, item 2.

Send-time errors come back synchronously from `POST /{phone-number-id}/messages`; many failures
arrive later as `failed` statuses in a webhook. Both are mapped here, by Meta's error `code`, which
Meta asks integrators to build on rather than on titles ("WhatsApp error codes", Cloud API docs).

| provider answer                               | reaction                                       |
| --------------------------------------------- | ---------------------------------------------- |
| 130429, or HTTP 429 (throughput reached)      | SLOW_SENDER: lower the number's rate, resend   |
| 131056 (pair rate limit)                      | DELAY_RECIPIENT: hold that recipient only       |
| 131048 (spam rate), 131049 (per-user limit)   | BACK_OFF: resend later, long backoff            |
| 190 (access token expired or invalid)         | PAUSE_CHANNEL: stop the channel, raise an alert |
| 132000-132999 (template problems)             | FAIL: failed receipt with the reason            |
| 131026 in a status (undeliverable)            | FALLBACK_SMS                                     |
| 131047 in a status (24-hour window closed)    | FALLBACK_TEMPLATE                                |
| no answer: refused connection, HTTP 5xx       | CHANNEL_DOWN: outage; work waits in Kafka       |
| no answer after the request left (timeout)    | UNKNOWN: leave the intent unanswered (item 6)   |
| anything else                                 | RETRY: backoff, then FAIL after max attempts    |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

THROUGHPUT = 130429
PAIR_RATE = 131056
SPAM_RATE = 131048
PER_USER_LIMIT = 131049
TOKEN_EXPIRED = 190
UNDELIVERABLE = 131026
WINDOW_CLOSED = 131047
TEMPLATE_RANGE = range(132000, 133000)


class Reaction(StrEnum):
    SLOW_SENDER = "slow_sender"
    DELAY_RECIPIENT = "delay_recipient"
    BACK_OFF = "back_off"
    PAUSE_CHANNEL = "pause_channel"
    FAIL = "fail"
    FALLBACK_SMS = "fallback_sms"
    FALLBACK_TEMPLATE = "fallback_template"
    CHANNEL_DOWN = "channel_down"
    UNKNOWN = "unknown"
    RETRY = "retry"


@dataclass(frozen=True, slots=True)
class ProviderError:
    """A provider's refusal, or the absence of an answer (`transport`)."""

    code: int | None
    title: str
    detail: str = ""
    http_status: int | None = None
    # No HTTP answer at all. `maybe_sent` when the request may have reached the provider.
    transport: bool = False
    maybe_sent: bool = False
    # A word code for errors that are ours, not the provider's (e.g. "no_consent").
    label: str | None = None

    @property
    def code_text(self) -> str:
        if self.label is not None:
            return self.label
        if self.code is not None:
            return str(self.code)
        if self.http_status is not None:
            return f"http_{self.http_status}"
        return "transport"


def react(error: ProviderError, *, in_status: bool = False) -> Reaction:
    """The reaction to an error from a send (`in_status=False`) or from a `failed` status."""
    if error.transport:
        return Reaction.UNKNOWN if error.maybe_sent else Reaction.CHANNEL_DOWN
    code = error.code
    if code == THROUGHPUT or (code is None and error.http_status == 429):
        return Reaction.SLOW_SENDER
    if code == PAIR_RATE:
        return Reaction.DELAY_RECIPIENT
    if code in (SPAM_RATE, PER_USER_LIMIT):
        return Reaction.BACK_OFF
    if code == TOKEN_EXPIRED or (code is None and error.http_status in (401, 403)):
        return Reaction.PAUSE_CHANNEL
    if code is not None and code in TEMPLATE_RANGE:
        return Reaction.FAIL
    if code == UNDELIVERABLE:
        # At send time Meta may also answer 131026; both mean "this number cannot get WhatsApp".
        return Reaction.FALLBACK_SMS
    if code == WINDOW_CLOSED:
        return Reaction.FALLBACK_TEMPLATE
    if not in_status and error.http_status is not None and error.http_status >= 500:
        return Reaction.CHANNEL_DOWN
    return Reaction.RETRY


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff in seconds; tests shrink every figure, production keeps the defaults."""

    base: float = 2.0
    cap: float = 300.0
    max_attempts: int = 6
    back_off_base: float = 60.0  # 131048 / 131049: the provider asks for patience
    back_off_cap: float = 3600.0
    recipient_hold: float = 6.0  # 131056: Meta allows about one message per 6 s to one user
    throttle_retry: float = 0.5  # 130429: resend soon, at the lowered rate

    def delay(self, reaction: Reaction, attempts: int) -> float:
        """Delay before the next attempt; `attempts` counts the attempts already made (>= 1)."""
        n = max(0, attempts - 1)
        if reaction is Reaction.BACK_OFF:
            return float(min(self.back_off_cap, self.back_off_base * 2**n))
        if reaction is Reaction.DELAY_RECIPIENT:
            return float(min(self.cap, self.recipient_hold * 2**n))
        if reaction is Reaction.SLOW_SENDER:
            return self.throttle_retry
        return float(min(self.cap, self.base * 2**n))


class Step(StrEnum):
    RESEND = "resend"  # not sent: try again after `delay`
    FAIL = "fail"  # publish a failed receipt
    FALLBACK_SMS = "fallback_sms"
    FALLBACK_TEMPLATE = "fallback_template"
    HOLD = "hold"  # channel-level trouble: the work waits, attempts are not consumed
    WAIT_FOR_WEBHOOK = "wait_for_webhook"  # may have been sent: leave the intent unanswered


@dataclass(frozen=True, slots=True)
class Plan:
    step: Step
    reaction: Reaction
    delay: float = 0.0
    counts_attempt: bool = True


# Reactions whose message is worth sending again as it is, until attempts run out.
_RESENDABLE = (Reaction.RETRY, Reaction.BACK_OFF, Reaction.DELAY_RECIPIENT)


def plan(
    error: ProviderError, attempts: int, policy: RetryPolicy, *, in_status: bool = False
) -> Plan:
    """What happens to this one delivery after `error` on its `attempts`-th attempt."""
    reaction = react(error, in_status=in_status)
    if reaction is Reaction.FAIL:
        return Plan(Step.FAIL, reaction)
    if reaction is Reaction.FALLBACK_SMS:
        return Plan(Step.FALLBACK_SMS, reaction)
    if reaction is Reaction.FALLBACK_TEMPLATE:
        return Plan(Step.FALLBACK_TEMPLATE, reaction, counts_attempt=False)
    if reaction is Reaction.UNKNOWN:
        return Plan(Step.WAIT_FOR_WEBHOOK, reaction, counts_attempt=False)
    if reaction in (Reaction.CHANNEL_DOWN, Reaction.PAUSE_CHANNEL):
        return Plan(Step.HOLD, reaction, counts_attempt=False)
    if reaction is Reaction.SLOW_SENDER:
        # Our own pacing was wrong, not the message: never fail a message for it.
        return Plan(Step.RESEND, reaction, policy.delay(reaction, attempts), counts_attempt=False)
    if reaction in _RESENDABLE and attempts >= policy.max_attempts:
        return Plan(Step.FAIL, reaction)
    return Plan(Step.RESEND, reaction, policy.delay(reaction, attempts))


def retryable(error: ProviderError) -> bool:
    """Whether a failed receipt's error is worth a later new message (told to the directive)."""
    reaction = react(error, in_status=True)
    return reaction not in (Reaction.FAIL, Reaction.FALLBACK_SMS)
