"""Channel gates: open while a channel sends; closed while it is down (outage) or paused (the
access token expired). A closed gate lets one probe through now and then; the probe's success
opens it again. While closed, the Kafka sources stop fetching, so the work waits in Kafka."""

from __future__ import annotations

import time

import structlog

from social_publisher import metrics

log = structlog.get_logger(__name__)

UP, DOWN, PAUSED = "up", "down", "paused"
# Why a channel pauses (workers/sender.py): WhatsApp's access token expired; the SMS gateway
# refused the credentials.
PAUSE_REASONS = {"whatsapp": "token_expired", "sms": "credentials"}


class Gate:
    def __init__(
        self, channel: str, *, threshold: int, probe_max: float, pause_probe: float
    ) -> None:
        self.channel = channel
        self.state = UP
        self.reason: str | None = None
        self._threshold = threshold
        self._probe_max = probe_max
        self._pause_probe = pause_probe
        self._failures = 0
        self._probe_delay = 0.5
        self.next_probe_at = 0.0
        self.probing = False
        metrics.CHANNEL_STATE.labels(channel).set(1)
        # A gate starts open: no person is needed yet, which the alert panel shows as 0.
        metrics.CHANNEL_ALERT.labels(channel, PAUSE_REASONS.get(channel, "credentials")).set(0)

    @property
    def is_open(self) -> bool:
        return self.state == UP

    def probe_due(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return self.state != UP and not self.probing and now >= self.next_probe_at

    def success(self) -> None:
        self._failures = 0
        self.probing = False
        if self.state != UP:
            log.warning("channel is back", channel=self.channel, was=self.state)
            if self.reason:
                metrics.CHANNEL_ALERT.labels(self.channel, self.reason).set(0)
            self.state, self.reason = UP, None
            self._probe_delay = 0.5
            metrics.CHANNEL_STATE.labels(self.channel).set(1)

    def down(self, reason: str) -> None:
        """A send found the provider unreachable (refused connection, HTTP 5xx)."""
        self.probing = False
        self._failures += 1
        if self.state == UP and self._failures < self._threshold:
            return
        now = time.monotonic()
        if self.state == UP:
            log.error(
                "channel down: work stays in Kafka until it is back",
                channel=self.channel,
                reason=reason,
            )
            self.state, self.reason = DOWN, "outage"
            metrics.CHANNEL_STATE.labels(self.channel).set(0)
        self.next_probe_at = now + self._probe_delay
        self._probe_delay = min(self._probe_max, self._probe_delay * 2)

    def pause(self, reason: str) -> None:
        """The provider refused our credentials: nothing will pass until a person fixes them."""
        self.probing = False
        if self.state != PAUSED:
            log.error(
                "channel paused: credentials refused; alerting", channel=self.channel, reason=reason
            )
            self.state, self.reason = PAUSED, reason
            metrics.CHANNEL_STATE.labels(self.channel).set(0)
            metrics.CHANNEL_ALERT.labels(self.channel, reason).set(1)
        self.next_probe_at = time.monotonic() + self._pause_probe
