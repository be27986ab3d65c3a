"""Rate limits of every service: per client address before anything runs, per principal once the
token is verified; 429 problem documents with `Retry-After`.

* **Per address** (`RateLimitMiddleware`, before the body is read or a token checked): every
  request costs its client address a token of its route class's bucket (`nazar_platform.http.edge`):
  `api` routes draw on `NAZAR_RATE_LIMIT_ADDRESS`; the unauthenticated entry points have their own,
  stricter limits — signed inbox links (`..._SIGNED_LINK`), a provider's webhook subscription
  check (`..._WEBHOOK_VERIFY`), the dev sign-in (`..._DEV_SIGN_IN`), the phone sign-in
  (`..._SIGN_IN`; the roster also limits per number and overall in its database). Provider webhooks
  (`..._WEBHOOK`) are not limited by address by default: each carries an HMAC signature of its
  body, a provider posts thousands of statuses a second, and a refused signature costs one HMAC.
* **Per principal** (`check_principal`, called by `get_principal` after verification): the token's
  `sub`, `NAZAR_RATE_LIMIT_PRINCIPAL`. Never keyed by an unverified token: whoever could write one
  would spend another member's budget.

A limit is written `<n>/<s|second|min|minute|h|hour>[ burst <b>]`: a token bucket refilled at that
rate, holding at most `b` (default `n`), or `off`. Every limit is a setting (`RateLimitSettings`,
`NAZAR_RATE_LIMIT_*`; a service may pass its own to `create_app`), `NAZAR_RATE_LIMIT_ENABLED=false`
turns them all off. Each 429 is counted (`nazar_rate_limited_total{service,route_class,limit}`)
and audited as a refusal (`nazar_platform.http.refusals`, reason `rate_limit.<what>`).

The buckets live in the memory of one process (`limits`' in-memory storages sweep every key on
each tick, which a flood of distinct addresses turns into work per request; these buckets cost
O(1) per request and forget the least recently used beyond `max_keys`). That is enough while each
service runs as one process behind its own address. It stops being enough when a service runs as
several replicas (each counts alone: the effective limit is multiplied by the replicas) or behind
a proxy that is not trusted for `X-Forwarded-For` (every client is then the proxy's address); the
limits then belong in the proxy or in a shared store.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Receive, Scope, Send

from nazar_platform.http.edge import (
    API,
    DEV_SIGN_IN,
    ROUTE_CLASSES,
    SIGN_IN,
    SIGNED_LINK,
    WEBHOOK,
    WEBHOOK_VERIFY,
    route_table,
)
from nazar_platform.http.problems import REFUSAL_REASON_STATE, ProblemError, problem_response
from nazar_platform.observability import metrics

_RATE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*(?:burst\s+(\d+))?\s*$"
)
_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
}


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`"100/s burst 300"`, `"30/minute"`; None for `off`."""
        if text.strip().lower() == "off":
            return None
        found = _RATE.match(text.lower())
        if found is None:
            raise ValueError(f"not a rate: {text!r} (e.g. '100/s burst 300', '30/minute', 'off')")
        amount, unit, burst = float(found[1]), found[2], found[3]
        if amount <= 0:
            raise ValueError(f"a rate must be positive: {text!r}; 'off' for no limit")
        return cls(amount / _SECONDS[unit], int(burst) if burst else max(1, math.ceil(amount)))


class RateLimitSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAZAR_RATE_LIMIT_", extra="ignore", frozen=True)

    enabled: bool = True
    # Every request from one client address. Field phones reach us through mobile carriers'
    # CGNAT, so thousands of members can share one address; a state-wide flash directive must
    # not queue them. This stops one abusive host, not a busy carrier.
    address: str = "300/s burst 1000"
    # Every request carrying a verified token, per member.
    principal: str = "50/s burst 200"
    # The links of one notice, opened by a whole circle behind a carrier's address within
    # minutes. A link is a 128-bit MAC: the limit is against load, guessing is hopeless anyway.
    signed_link: str = "50/s burst 500"
    webhook_verify: str = "10/minute burst 5"
    dev_sign_in: str = "1/s burst 30"
    # A shift signing in at once behind one carrier address: generous against load; guessing a
    # code is stopped by its five tries, flooding a number by the roster's per-number limit.
    sign_in: str = "5/s burst 100"
    webhook: str = "off"
    max_keys: int = 100_000

    @field_validator(
        "address", "principal", "signed_link", "webhook_verify", "dev_sign_in", "sign_in", "webhook"
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        Rate.parse(value)  # a limit that does not parse stops the service at startup
        return value

    def rate_of(self, route_class: str) -> Rate | None:
        """The per-address limit of a route class."""
        limits = {
            API: self.address,
            SIGNED_LINK: self.signed_link,
            WEBHOOK_VERIFY: self.webhook_verify,
            DEV_SIGN_IN: self.dev_sign_in,
            SIGN_IN: self.sign_in,
            WEBHOOK: self.webhook,
        }
        return Rate.parse(limits.get(route_class, self.address))


class Buckets:
    """Token buckets by key. A key not seen is a full bucket, so forgetting one that is full
    changes nothing; beyond `max_keys` the least recently used are forgotten first."""

    def __init__(self, max_keys: int) -> None:
        self._max_keys = max_keys
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, rate: Rate, now: float) -> float:
        """0 when a token was taken; else the seconds until one will be there."""
        tokens, at = self._state.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + max(0.0, now - at) * rate.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate.per_second
        self._state[key] = (tokens, now)  # re-inserted: the dict is in order of last use
        if len(self._state) > self._max_keys:
            del self._state[next(iter(self._state))]
        return wait

    def __len__(self) -> int:
        return len(self._state)


class RateLimiter:
    def __init__(self, settings: RateLimitSettings, service: str) -> None:
        self.settings = settings
        self.service = service
        self._buckets = Buckets(settings.max_keys)
        self._rates = {c: settings.rate_of(c) for c in ROUTE_CLASSES}
        self._principal = Rate.parse(settings.principal)
        # Every limit that can refuse starts at 0 on /metrics, so that "none refused" is a
        # value, not a missing series (Prometheus' advice for known label values).
        for route_class, rate in self._rates.items():
            if rate is not None:
                limit = "address" if route_class == API else route_class
                metrics.RATE_LIMITED.labels(service, route_class, limit)
        if self._principal is not None:
            metrics.RATE_LIMITED.labels(service, API, "principal")

    def wait_for_address(self, route_class: str, address: str) -> float:
        rate = self._rates.get(route_class, self._rates[API])
        if not self.settings.enabled or rate is None:
            return 0.0
        return self._buckets.take(f"{route_class}|{address}", rate, time.monotonic())

    def wait_for_principal(self, member_id: str) -> float:
        if not self.settings.enabled or self._principal is None:
            return 0.0
        return self._buckets.take(f"principal|{member_id}", self._principal, time.monotonic())

    def refused(self, state: dict[str, Any], route_class: str, limit: str, wait: float) -> int:
        """Count and record a 429; the seconds to put in `Retry-After`."""
        metrics.RATE_LIMITED.labels(self.service, route_class, limit).inc()
        state[REFUSAL_REASON_STATE] = f"rate_limit.{limit}"
        return max(1, math.ceil(wait))


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


def check_principal(request: Request, member_id: str) -> None:
    """429 problem when this verified member has spent their budget (from `get_principal`)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.wait_for_principal(member_id)
    if wait:
        route_class = route_table(request.app).route_class(request.method, request.url.path)
        retry = limiter.refused(
            request.scope.setdefault("state", {}), route_class, "principal", wait
        )
        raise ProblemError(
            429,
            "too_many_requests",
            detail_params={"retry_after": retry},
            headers={"Retry-After": str(retry)},
        )


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.settings.enabled:
            await self.app(scope, receive, send)
            return
        route_class = route_table(scope["app"]).route_class(scope["method"], scope["path"])
        wait = self.limiter.wait_for_address(route_class, client_address(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        limit = "address" if route_class == API else route_class
        retry = self.limiter.refused(scope.setdefault("state", {}), route_class, limit, wait)
        response = problem_response(
            Request(scope, receive),
            429,
            "too_many_requests",
            detail_params={"retry_after": retry},
            headers={"Retry-After": str(retry)},
        )
        await response(scope, receive, send)
