"""Web Push client: RFC 8291 encryption (aes128gcm) and RFC 8292 VAPID, posted per RFC 8030.

The cryptography is the libraries' (pywebpush's `WebPusher.encode`, which uses `http_ece`, for
the body; `py_vapid` for the signed token): the request is ours, on the publisher's aiohttp
session, so timeouts, metrics and the answer's handling match every other provider. Any push
service works (Google's, Mozilla's, Apple's, the fake in `nazar_fakes.push`): the endpoint in
the subscription says where, and the VAPID token's audience is that endpoint's origin.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
from nazar_contracts.directives import Priority
from py_vapid import Vapid02
from pywebpush import WebPusher

from social_publisher import metrics
from social_publisher.adapters.errors import TIMEOUT_ERRORS
from social_publisher.domain.push import (
    DEFAULT_TTL,
    URGENCY,
    PushNotice,
    PushReaction,
    PushSubscription,
    push_reaction,
)

TOKEN_LIFE = timedelta(hours=12)  # RFC 8292 allows 24; half leaves room for clock skew
TOKEN_RENEW = timedelta(hours=1)  # sign afresh when less than this is left


@dataclass(frozen=True, slots=True)
class PushResult:
    reaction: PushReaction
    status: int | None  # None: no answer (refused connection, timeout)
    location: str | None = None  # the push message resource, on 201
    retry_after: float | None = None  # seconds, on 429 or 503
    detail: str = ""  # the push service's message, for the log (never the payload)


def origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def topic_of(message_id: str) -> str:
    """RFC 8030 §5.4: a resend of one message replaces the push still waiting for the phone,
    so a retry after an unanswered request cannot notify twice. 32 base64url characters."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare from push services; the caller's backoff decides


class WebPushClient:
    def __init__(
        self, session: aiohttp.ClientSession, vapid_private_key_pem: str, subject: str
    ) -> None:
        self._session = session
        self._vapid = Vapid02.from_pem(vapid_private_key_pem.encode())
        self._subject = subject
        self._tokens: dict[str, tuple[float, str]] = {}  # audience -> (exp, Authorization)

    def authorization(self, endpoint: str, now: float | None = None) -> str:
        """The VAPID header for `endpoint`'s push service, signed once per audience and reused
        until an hour before it expires (an ES256 signature per push would be wasted work)."""
        now = time.time() if now is None else now
        audience = origin(endpoint)
        cached = self._tokens.get(audience)
        if cached is not None and cached[0] - now > TOKEN_RENEW.total_seconds():
            return cached[1]
        exp = int(now + TOKEN_LIFE.total_seconds())
        header = self._vapid.sign({"aud": audience, "sub": self._subject, "exp": exp})
        value = str(header["Authorization"])
        self._tokens[audience] = (float(exp), value)
        return value

    async def send(
        self,
        subscription: PushSubscription,
        notice: PushNotice,
        priority: Priority,
        ttl: timedelta | None = None,
    ) -> PushResult:
        body = WebPusher(subscription.info()).encode(notice.payload(), "aes128gcm")["body"]
        headers = {
            "Authorization": self.authorization(subscription.endpoint),
            "TTL": str(int((ttl or DEFAULT_TTL[priority]).total_seconds())),
            "Urgency": URGENCY[priority],
            "Topic": topic_of(notice.message_id),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        started = time.perf_counter()
        try:
            async with self._session.post(
                subscription.endpoint, data=body, headers=headers
            ) as resp:
                status = resp.status
                text = (await resp.text(errors="replace"))[:300]
                location = resp.headers.get("Location")
                wait = retry_after(resp.headers.get("Retry-After"))
        except TIMEOUT_ERRORS as exc:
            metrics.PUSHES.labels(PushReaction.RETRY).inc()
            return PushResult(PushReaction.RETRY, None, detail=type(exc).__name__)
        finally:
            metrics.PROVIDER_LATENCY.labels("push").observe(time.perf_counter() - started)
        reaction = push_reaction(status)
        metrics.PUSHES.labels(reaction).inc()
        return PushResult(reaction, status, location, wait, "" if status == 201 else text)
