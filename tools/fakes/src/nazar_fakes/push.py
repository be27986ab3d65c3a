"""A fake Web Push service (RFC 8030) that checks what a real one checks and keeps what it was
sent, so a test can prove the publisher's encryption (RFC 8291, aes128gcm) and VAPID signature
(RFC 8292) are right.

It also plays the browser's part: `POST /_fake/subscriptions` makes a subscription as
`PushManager.subscribe()` would (a P-256 key pair and a 16-byte auth secret, held here) and
answers the `PushSubscription.toJSON()` the app would send to the roster. Every accepted push is
decrypted with those keys and logged with its plaintext; a body that does not decrypt is refused
with 400, as a browser would drop it.

The push resource is `POST /push/{id}` and answers like Mozilla's autopush: 201 with a Location;
errors as `{"code", "errno", "error", "message", "more_info"}`: 400 (no TTL, bad Urgency or Topic,
not aes128gcm, body that does not decrypt), 401 (no or bad VAPID), 403 (a key other than the
subscription's applicationServerKey), 404 (no such subscription), 410 (expired or unsubscribed),
413 (over 4,096 bytes), 429 with Retry-After (over `mps_cap` pushes a second).
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import http_ece
import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from nazar_fakes.common import MessageLog, ThroughputWindow

DEFAULTS: dict[str, Any] = {
    "mps_cap": 1000,  # pushes a second over all subscriptions, then 429
    "retry_after": 2,  # seconds, in a 429's Retry-After
    "max_payload": 4096,  # RFC 8030 §7.2: a push service must accept at least 4,096 octets
    "max_vapid_lifetime": 86400,  # RFC 8292 §2: exp no more than 24 hours ahead
}
URGENCIES = frozenset({"very-low", "low", "normal", "high"})
MORE_INFO = "https://autopush.readthedocs.io/en/latest/http.html#error-codes"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: str | None  # the applicationServerKey it was made with, if any
    gone: bool = False

    def public(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)


def problem(status: int, errno: int, message: str, **headers: str) -> web.Response:
    return web.json_response(
        {
            "code": status,
            "errno": errno,
            "error": _REASONS.get(status, "Error"),
            "message": message,
            "more_info": MORE_INFO,
        },
        status=status,
        headers=headers,
    )


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    413: "Payload Too Large",
    429: "Too Many Requests",
}


class FakePush:
    def __init__(self, **config: Any) -> None:
        self.config: dict[str, Any] = {**DEFAULTS, **config}
        self.log = MessageLog(None)
        self.window = ThroughputWindow()
        self.subscriptions: dict[str, Subscription] = {}

    def reset(self) -> None:
        self.window = ThroughputWindow()

    async def subscribe(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        server_key = body.get("application_server_key")
        sub = Subscription(
            id=secrets.token_urlsafe(24),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            server_key=str(server_key) if server_key else None,
        )
        self.subscriptions[sub.id] = sub
        origin = f"{request.scheme}://{request.host}"
        return web.json_response(
            {
                "endpoint": f"{origin}/push/{sub.id}",
                "expirationTime": None,
                "keys": {"p256dh": sub.public(), "auth": b64url(sub.auth)},
            },
            status=201,
        )

    async def expire(self, request: web.Request) -> web.Response:
        sub = self.subscriptions.get(request.match_info["id"])
        if sub is None:
            raise web.HTTPNotFound
        sub.gone = True
        return web.json_response({"expired": sub.id})

    async def push(self, request: web.Request) -> web.Response:
        now = time.time()
        self.log.attempt(now)
        sub = self.subscriptions.get(request.match_info["id"])
        if sub is None:
            return self._refuse("404", problem(404, 102, "Request did not validate invalid token"))
        if sub.gone:
            return self._refuse("410", problem(410, 106, "Request did not validate no such user"))
        claims = self._vapid(request, sub, now)
        if isinstance(claims, web.Response):
            return claims
        headers = request.headers
        ttl = headers.get("TTL", "")
        if not ttl.isdigit():
            return self._refuse("400", problem(400, 111, "Missing TTL header"))
        urgency = headers.get("Urgency", "normal")
        if urgency not in URGENCIES:
            return self._refuse("400", problem(400, 110, f"Invalid Urgency header {urgency!r}"))
        topic = headers.get("Topic")
        if topic is not None and (len(topic) > 32 or not _is_b64url(topic)):
            return self._refuse("400", problem(400, 113, "Topic must be 32 base64url characters"))
        body = await request.read()
        if len(body) > int(self.config["max_payload"]):
            return self._refuse("413", problem(413, 104, "Message too large: at most 4,096 bytes"))
        if body and headers.get("Content-Encoding", "").lower() != "aes128gcm":
            return self._refuse("400", problem(400, 110, "Unknown Content-Encoding"))
        if not self.window.admit("all", now, int(self.config["mps_cap"])):
            retry = str(self.config["retry_after"])
            return self._refuse(
                "429", problem(429, 117, "Too Many Requests", **{"Retry-After": retry})
            )
        try:
            plain = (
                http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth)
                if body
                else b""
            )
            text = plain.decode("utf-8")
        except Exception:  # what a browser would drop: wrong keys, wrong salt, broken record
            return self._refuse("400", problem(400, 110, "The body does not decrypt"))
        message_id = uuid.uuid4().hex
        self.log.accept(
            {
                "id": message_id,
                "subscription": sub.id,
                "ttl": int(ttl),
                "urgency": urgency,
                "topic": topic,
                "bytes": len(body),
                "plaintext": text,
                "vapid": {"sub": claims.get("sub"), "aud": claims["aud"], "exp": claims["exp"]},
                "at": now,
            },
            now,
        )
        location = f"{request.scheme}://{request.host}/m/{message_id}"
        return web.Response(status=201, headers={"Location": location, "TTL": ttl})

    def _vapid(
        self, request: web.Request, sub: Subscription, now: float
    ) -> dict[str, Any] | web.Response:
        """RFC 8292: `vapid t=<ES256 JWT>, k=<P-256 public key>`; aud is this origin."""
        scheme, _, params = request.headers.get("Authorization", "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        if scheme.lower() != "vapid" or "t" not in fields or "k" not in fields:
            return self._refuse("401", problem(401, 109, "Missing or malformed VAPID header"))
        if sub.server_key is not None and fields["k"] != sub.server_key:
            return self._refuse("403", problem(403, 109, "Key does not match subscription"))
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), unb64url(fields["k"])
            )
            claims: dict[str, Any] = jwt.decode(
                fields["t"],
                public,
                algorithms=["ES256"],
                audience=f"{request.scheme}://{request.host}",
                options={"require": ["aud", "exp"]},
            )
        except (ValueError, jwt.PyJWTError) as exc:
            return self._refuse("401", problem(401, 109, f"Invalid VAPID token: {exc}"))
        if claims["exp"] > now + int(self.config["max_vapid_lifetime"]):
            return self._refuse("401", problem(401, 109, "VAPID exp more than 24 hours ahead"))
        sub_claim = str(claims.get("sub", ""))
        if not sub_claim.startswith(("mailto:", "https:")):
            return self._refuse("401", problem(401, 109, "VAPID sub must be mailto: or https:"))
        return claims

    def _refuse(self, code: str, response: web.Response) -> web.Response:
        self.log.reject(code)
        return response


def _is_b64url(text: str) -> bool:
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    return all(c in alphabet for c in text)
