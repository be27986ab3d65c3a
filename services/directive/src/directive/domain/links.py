"""Signed, expiring inbox links: one per delivery, opening that message without a sign-in.

A token is `base64url(version | delivery id | expiry) . base64url(HMAC-SHA256(payload)[:16])`.
The MAC is truncated to 128 bits to keep SMS links short; that is still far beyond guessing.
The version byte lets a key be rotated later without breaking links already sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, datetime
from uuid import UUID

_VERSION = 1
_PAYLOAD = struct.Struct(">B16sQ")
_MAC_BYTES = 16


class LinkError(Exception):
    pass


class InvalidLinkError(LinkError):
    pass


class ExpiredLinkError(LinkError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.digest(key, payload, hashlib.sha256)[:_MAC_BYTES]


def sign(delivery_id: UUID, expires_at: datetime, key: bytes) -> str:
    payload = _PAYLOAD.pack(_VERSION, delivery_id.bytes, int(expires_at.timestamp()))
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify(token: str, key: bytes, now: datetime) -> tuple[UUID, datetime]:
    """(delivery id, expiry) of a genuine, unexpired token; raises LinkError otherwise."""
    try:
        encoded_payload, encoded_mac = token.split(".", 1)
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
        version, raw_id, expiry = _PAYLOAD.unpack(payload)
    except (ValueError, struct.error) as exc:
        raise InvalidLinkError("malformed link") from exc
    if version != _VERSION or not hmac.compare_digest(mac, _mac(key, payload)):
        raise InvalidLinkError("link signature does not match")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise ExpiredLinkError("link has expired")
    return UUID(bytes=raw_id), expires_at
