"""Web Push (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID): what a push may carry,
how long a push service should keep it, and what to do about its answer.

A push carries the message's id and title only: the payload crosses a push service we do not run
(Google's, Mozilla's, Apple's), so nothing personal goes in it; the app fetches the rest signed
in. The title is cut to what a notification shows.

| push service answer           | reaction                                                  |
| ----------------------------- | --------------------------------------------------------- |
| 201 Created                   | SENT                                                      |
| 404, 410                      | GONE: the subscription is dead; remove it, use WhatsApp   |
| 429 (Retry-After)             | SLOW_DOWN: wait that long, then resend                    |
| 401, 403                      | PAUSE_CHANNEL: our VAPID key is refused; every push would be |
| 400, 413                      | FAIL: this request is wrong; the next channel takes over  |
| 5xx, no answer                | RETRY: backoff; the push service is down                  |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from nazar_contracts.directives import Priority

TITLE_MAX = 120  # characters: a notification's title, never the message
# How long a push service keeps a push for a phone that is offline: as long as push alone is
# tried before WhatsApp follows (issue 17: flash 2 minutes, urgent 15, routine 2 hours); after
# that the member has the message another way, and a late push would only repeat it.
DEFAULT_TTL = {
    Priority.FLASH: timedelta(minutes=2),
    Priority.URGENT: timedelta(minutes=15),
    Priority.ROUTINE: timedelta(hours=2),
}
# RFC 8030 §5.3: "high" may wake a sleeping phone; routine news may wait for it.
URGENCY = {Priority.FLASH: "high", Priority.URGENT: "high", Priority.ROUTINE: "normal"}


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """A browser's `PushSubscription.toJSON()`: where to post and the keys to encrypt for."""

    endpoint: str
    p256dh: str  # the browser's P-256 public key, base64url
    auth: str  # its 16-byte authentication secret, base64url

    def info(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True, slots=True)
class PushNotice:
    """All a push may say: which message, and its title."""

    message_id: str
    title: str

    def payload(self) -> bytes:
        title = self.title if len(self.title) <= TITLE_MAX else self.title[: TITLE_MAX - 1] + "…"
        body = {"message_id": self.message_id, "title": title}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class PushReaction(StrEnum):
    SENT = "sent"
    GONE = "gone"
    SLOW_DOWN = "slow_down"
    PAUSE_CHANNEL = "pause_channel"
    FAIL = "fail"
    RETRY = "retry"


def push_reaction(status: int | None) -> PushReaction:
    """The reaction to a push service's HTTP status (None: no answer at all)."""
    if status is None or status >= 500:
        return PushReaction.RETRY
    if status in (200, 201, 202):
        return PushReaction.SENT
    if status in (404, 410):
        return PushReaction.GONE
    if status == 429:
        return PushReaction.SLOW_DOWN
    if status in (401, 403):
        return PushReaction.PAUSE_CHANNEL
    return PushReaction.FAIL
