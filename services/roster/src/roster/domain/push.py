"""Which Web Push subscriptions the roster takes: an endpoint at a known push service and keys
that are what RFC 8291 says they are. Pure: the caller gives the allowed origins."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True, slots=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str


def _bytes(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def origin_allowed(endpoint: str, allowed: tuple[str, ...]) -> bool:
    """`endpoint`'s origin is one of `allowed`, exactly or as a subdomain of a `*.` entry."""
    parts = urlsplit(endpoint)
    if parts.username or parts.password or not parts.hostname:
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    for given in allowed:
        entry = given.lower().rstrip("/")
        scheme, _, host = entry.partition("://")
        if host.startswith("*."):
            if parts.scheme == scheme and parts.netloc.lower().endswith(host[1:]):
                return True
        elif origin == entry:
            return True
    return False


def refusal(sub: Subscription, allowed: tuple[str, ...]) -> str | None:
    """Why the subscription cannot be taken (a reason code), or None."""
    if not origin_allowed(sub.endpoint, allowed):
        return "endpoint"
    point = _bytes(sub.p256dh)
    if point is None or len(point) != 65 or point[0] != 4:
        return "p256dh"
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return "p256dh"  # 65 bytes that are not a point on P-256
    secret = _bytes(sub.auth)
    if secret is None or len(secret) != 16:
        return "auth"
    return None
