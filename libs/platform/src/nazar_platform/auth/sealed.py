"""Sealed secrets between two services: a short secret (a sign-in code) that crosses Kafka, which
every operator can read, so that only the service holding the shared key can open it.

AES-256-GCM (`cryptography`): `base64url(nonce(12) | ciphertext | tag(16))`, unpadded. The
associated data binds a sealed value to its context (the sign-in id and the member), so a sealed
code copied into another record does not open. Keys rotate: each has an id; the sender seals with
the first, the receiver opens with the one the record names, so records sealed before a
rollout still open while both keys are configured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12
KEY_BYTES = 32


class SealError(Exception):
    """The value does not open: unknown key id, tampered or bound to another context."""


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    text: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SealError("not base64url") from None


def parse_keys(spec: Mapping[str, str]) -> dict[str, bytes]:
    """Key id -> 32 key bytes, from settings holding base64url text per id."""
    keys = {}
    for key_id, text in spec.items():
        raw = _unb64(text)
        if len(raw) != KEY_BYTES:
            raise ValueError(f"sealing key {key_id!r} must be {KEY_BYTES} bytes, base64url")
        keys[key_id] = raw
    if not keys:
        raise ValueError("at least one sealing key is needed")
    return keys


def new_key() -> str:
    """A fresh key as settings hold it (base64url)."""
    return _b64(os.urandom(KEY_BYTES))


class Sealer:
    """Seals with the first key; opens with whichever key the sealed value names."""

    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise ValueError("at least one sealing key is needed")
        self._keys = {k: AESGCM(v) for k, v in keys.items()}
        self._current = next(iter(keys))

    def seal(self, secret: str, context: str) -> Sealed:
        nonce = os.urandom(_NONCE)
        box = self._keys[self._current].encrypt(nonce, secret.encode(), context.encode())
        return Sealed(self._current, _b64(nonce + box))

    def open(self, sealed: Sealed, context: str) -> str:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise SealError(f"unknown key id {sealed.key_id!r}")
        raw = _unb64(sealed.text)
        if len(raw) < _NONCE + 16:
            raise SealError("too short")
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except (InvalidTag, UnicodeDecodeError):
            raise SealError("does not open with this key and context") from None


# The local and test stacks' shared code key (roster and publisher default to it); refused in
# any other environment like every secret's default (nazar_platform.config.secrets).
DEV_CODE_KEY = "nazar-dev-sign-in-code-sealing-key-change-me"


def derived_keys(secrets: Sequence[str]) -> dict[str, bytes]:
    """Key id -> AES key for secrets as settings hold them (any long random text, current first).

    The AES key is SHA-256 of the text and the id a short hash of it, so an operator sets one
    random string on both services and rotates by moving it to the previous keys: no id to keep
    in step by hand.
    """
    keys: dict[str, bytes] = {}
    for text in secrets:
        key = hashlib.sha256(b"nazar-sealed-key:" + text.encode()).digest()
        keys[hashlib.sha256(b"nazar-sealed-id:" + text.encode()).hexdigest()[:12]] = key
    if not keys:
        raise ValueError("at least one sealing key is needed")
    return keys
