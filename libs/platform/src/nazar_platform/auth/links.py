"""Signed, expiring links: an id (a delivery, a stored file) opened without a sign-in until a
time, for one purpose.

A token is `base64url(version | id | expiry) . base64url(HMAC-SHA256(purpose | payload)[:16])`,
unpadded. The MAC is truncated to 128 bits to keep SMS links short; that is still far beyond
guessing. The purpose (`media`, ...) is signed but not sent, so a token made for one purpose never
opens another even under the same key; the empty purpose is the directive's inbox links, signed
before purposes existed (the same bytes as then, so links already sent keep opening). Each link
has exactly one spelling: a token that is not the canonical encoding of its bytes (padding,
another alphabet, stray characters, or a last character differing only in the bits base64 leaves
unused) is refused, so a link cannot be varied to slip past a cache, a log search or a rate
limit. Keys rotate: links are signed with the first key and verified with any of them, so links
already sent stay open while a new key is rolled out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from nazar_platform.files import is_sha256

_VERSION = 1
_MAC_BYTES = 16
# A purpose never holds the version byte, so `purpose | payload` splits one way only.
_PURPOSE = re.compile(r"^([a-z][a-z0-9._-]{0,63})?$")


class LinkError(Exception):
    pass


class InvalidLinkError(LinkError):
    pass


class ExpiredLinkError(LinkError):
    pass


def _layout(id_bytes: int) -> struct.Struct:
    if not 1 <= id_bytes <= 64:
        raise ValueError("a signed link carries an id of 1..64 bytes")
    return struct.Struct(f">B{id_bytes}sQ")


def _encoded_length(size: int) -> int:
    return (size * 8 + 5) // 6


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


def _mac(key: bytes, purpose: str, payload: bytes) -> bytes:
    return hmac.digest(key, purpose.encode() + payload, hashlib.sha256)[:_MAC_BYTES]


def _check_purpose(purpose: str) -> None:
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError(f"a link purpose is [a-z][a-z0-9._-]*, not {purpose!r}")


def sign(ident: bytes, expires_at: datetime, key: bytes, *, purpose: str = "") -> str:
    """The token opening `ident` for `purpose` until `expires_at`, signed with `key`."""
    if not key:
        raise ValueError("a signed link needs a signing key")
    _check_purpose(purpose)
    payload = _layout(len(ident)).pack(_VERSION, ident, int(expires_at.timestamp()))
    return f"{_b64(payload)}.{_b64(_mac(key, purpose, payload))}"


def verify(
    token: str,
    keys: Sequence[bytes],
    now: datetime,
    max_lifetime: timedelta,
    *,
    id_bytes: int = 16,
    purpose: str = "",
) -> tuple[bytes, datetime]:
    """(id, expiry) of a genuine, unexpired token for `purpose` signed with one of `keys`;
    raises LinkError otherwise. An expiry more than `max_lifetime` ahead of `now` was never
    issued by us with these settings (or the key leaked): it is refused, as a forgery would be."""
    _check_purpose(purpose)
    layout = _layout(id_bytes)
    # The two halves' lengths when encoded: anything else is refused before any work.
    if len(token) != _encoded_length(layout.size) + 1 + _encoded_length(_MAC_BYTES):
        raise InvalidLinkError("malformed link")
    try:
        encoded_payload, encoded_mac = token.split(".", 1)
        payload = _unb64(encoded_payload, layout.size)
        mac = _unb64(encoded_mac, _MAC_BYTES)
    except ValueError as exc:
        raise InvalidLinkError("malformed link") from exc
    # Every key is tried, without stopping at the first match, and an empty key never matches.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(mac, _mac(key, purpose, payload)) and bool(key)
    version, ident, expiry = layout.unpack(payload)
    if not matched or version != _VERSION:
        raise InvalidLinkError("link signature does not match")
    # Compared as integers first: a far-future expiry must not reach datetime (OverflowError).
    if expiry > now.timestamp() + max_lifetime.total_seconds():
        raise InvalidLinkError("link expiry is beyond any link issued")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if now >= expires_at:
        raise ExpiredLinkError("link has expired")
    return bytes(ident), expires_at


class FileLinkError(Exception):
    """A file link that does not open: forged or changed, or (`expired`) too old."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


# A URL expires `ttl` after it was signed by the clock of whichever replica signed it; this much
# disagreement between clocks is tolerated when one is checked.
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class FileLinks:
    """Signed, expiring URLs of content-addressed files (named by their SHA-256) under one path
    of a service: what another service, a network or a browser fetches without signing in. A
    service subclasses it with its `PATH` and `PURPOSE` (so that one service's links never open
    another's) and builds it from its settings."""

    PATH: ClassVar[str]
    PURPOSE: ClassVar[str]
    base_url: str
    keys: tuple[bytes, ...]  # the signing key first
    ttl: timedelta

    def signed(self, sha256: str, now: datetime) -> tuple[str, datetime]:
        """The signed URL of a kept file and when it expires."""
        expires_at = now + self.ttl
        token = sign(bytes.fromhex(sha256), expires_at, self.keys[0], purpose=self.PURPOSE)
        return f"{self.base_url}{self.PATH}{sha256}?token={token}", expires_at

    def verify(self, sha256: str, token: str, now: datetime) -> None:
        """Nothing if `token` opens `sha256` now; FileLinkError otherwise."""
        if not is_sha256(sha256):
            raise FileLinkError(expired=False)
        try:
            ident, _ = verify(
                token, self.keys, now, self.ttl + CLOCK_SLACK, id_bytes=32, purpose=self.PURPOSE
            )
        except ExpiredLinkError:
            raise FileLinkError(expired=True) from None
        except LinkError:
            raise FileLinkError(expired=False) from None
        if ident.hex() != sha256:
            raise FileLinkError(expired=False)
