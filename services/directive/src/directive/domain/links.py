"""Signed, expiring inbox links: one per delivery, opening that message without a sign-in.

A token is `base64url(version | delivery id | expiry) . base64url(HMAC-SHA256(payload)[:16])`,
unpadded. The MAC is truncated to 128 bits to keep SMS links short; that is still far beyond
guessing. Each link has exactly one spelling: a token that is not the canonical encoding of its
bytes (padding, another alphabet, stray characters, or a last character differing only in the
bits base64 leaves unused) is refused, so a link cannot be varied to slip past a cache, a log
search or a rate limit. Keys rotate: links are signed with the first key and verified with any
of them, so links already sent stay open while a new key is rolled out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

_VERSION = 1
_PAYLOAD = struct.Struct(">B16sQ")
_MAC_BYTES = 16
# The two halves' lengths when encoded: anything longer is refused before any work.
_TOKEN_CHARS = 34 + 1 + 22


class LinkError(Exception):
    pass


class InvalidLinkError(LinkError):
    pass


class ExpiredLinkError(LinkError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str, size: int) -> bytes:
    """The `size` bytes `text` is the canonical encoding of; ValueError for any other text."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
    # Decoding is lenient (it skips stray characters and ignores the unused low bits of the last
    # one); encoding again is not, so only the one canonical spelling comes back unchanged.
    if len(data) != size or _b64(data) != text:
        raise ValueError("not the canonical encoding")
    return data


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.digest(key, payload, hashlib.sha256)[:_MAC_BYTES]


def sign(delivery_id: UUID, expires_at: datetime, key: bytes) -> str:
    if not key:
        raise ValueError("an inbox link needs a signing key")
    payload = _PAYLOAD.pack(_VERSION, delivery_id.bytes, int(expires_at.timestamp()))
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def verify(
    token: str, keys: Sequence[bytes], now: datetime, max_lifetime: timedelta
) -> tuple[UUID, datetime]:
    """(delivery id, expiry) of a genuine, unexpired token signed with one of `keys`; raises
    LinkError otherwise. An expiry more than `max_lifetime` ahead of `now` was never issued by
    us with these settings (or the key leaked): it is refused, as a forgery would be."""
    if len(token) != _TOKEN_CHARS:
        raise InvalidLinkError("malformed link")
    try:
        encoded_payload, encoded_mac = token.split(".", 1)
        payload = _unb64(encoded_payload, _PAYLOAD.size)
        mac = _unb64(encoded_mac, _MAC_BYTES)
    except ValueError as exc:
        raise InvalidLinkError("malformed link") from exc
    # Every key is tried, without stopping at the first match, and an empty key never matches.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(mac, _mac(key, payload)) and bool(key)
    version, raw_id, expiry = _PAYLOAD.unpack(payload)
    if not matched or version != _VERSION:
        raise InvalidLinkError("link signature does not match")
    # Compared as integers first: a far-future expiry must not reach datetime (OverflowError).
    if expiry > now.timestamp() + max_lifetime.total_seconds():
        raise InvalidLinkError("link expiry is beyond any link issued")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise ExpiredLinkError("link has expired")
    return UUID(bytes=raw_id), expires_at
