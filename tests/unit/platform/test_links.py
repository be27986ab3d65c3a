"""Signed, expiring links (the directive's inbox links, story-intake's media links): genuine
ones open; forged, altered, re-spelt, absurd or expired ones do not; two keys are valid while one
replaces the other; a purpose is signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nazar_platform.auth.links import ExpiredLinkError, InvalidLinkError, sign, verify

KEY = b"a-test-key-that-is-long-enough-32b"
NEW_KEY = b"the-key-that-replaces-it-0123456789"
NOW = datetime(2026, 1, 26, 12, 0, tzinfo=UTC)
TTL = timedelta(days=14)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_a_signed_link_names_its_delivery_until_it_expires() -> None:
    did = uuid.uuid4().bytes
    token = sign(did, NOW + timedelta(days=1), KEY)
    assert verify(token, [KEY], NOW, TTL) == (did, NOW + timedelta(days=1))
    assert len(token) < 64  # short enough for an SMS
    with pytest.raises(ExpiredLinkError):
        verify(token, [KEY], NOW + timedelta(days=1), TTL)


def test_another_key_or_one_changed_character_is_refused() -> None:
    token = sign(uuid.uuid4().bytes, NOW + timedelta(days=1), KEY)
    with pytest.raises(InvalidLinkError):
        verify(token, [b"another-key-another-key-another!!"], NOW, TTL)
    payload, mac = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(InvalidLinkError):
        verify(f"{flipped}.{mac}", [KEY], NOW, TTL)


@pytest.mark.parametrize("junk", ["", "abc", "a.b", "ठीक.है", "x" * 200, "é" * 57, "." * 57])
def test_garbage_is_an_invalid_link_not_a_crash(junk: str) -> None:
    with pytest.raises(InvalidLinkError):
        verify(junk, [KEY], NOW, TTL)


def spellings(token: str) -> set[str]:
    """Texts a lenient base64 decoder reads as the same bytes: the last character of each half
    varied in the bits it leaves unused, padding, the standard alphabet, a stray character."""
    payload, mac = token.split(".")

    def last_chars(half: str) -> set[str]:
        # 25 and 16 bytes end on a character carrying 2 bits of data and 4 unused ones.
        used = B64URL.index(half[-1]) & 0b110000
        return {half[:-1] + B64URL[used | low] for low in range(16)}

    found = {f"{p}.{m}" for p in last_chars(payload) for m in last_chars(mac)}
    found |= {f"{payload}==.{mac}", f"{payload}.{mac}==", f"{payload}.{mac}="}
    found |= {f"{payload.replace('-', '+').replace('_', '/')}.{mac}"}
    found |= {f"{payload[:10]}\n{payload[10:]}.{mac[:-1]}", f"{payload}.{mac[:5]}!{mac[5:]}"}
    return found


def test_a_link_has_exactly_one_spelling() -> None:
    # Regression: any of 256 variants of the last characters (and padded ones) used to verify.
    did = uuid.uuid4().bytes
    token = sign(did, NOW + timedelta(days=1), KEY)
    # Make sure the payload needs the varied characters: some spelling must differ from it.
    variants = spellings(token)
    assert token in variants and len(variants) > 256
    accepted = set()
    for text in variants:
        try:
            verify(text, [KEY], NOW, TTL)
        except InvalidLinkError:
            continue
        accepted.add(text)
    assert accepted == {token}


def forged_expiry(expiry: int, key: bytes = KEY) -> str:
    """A link our key signed with an arbitrary expiry (as a leaked key, or a bug, would)."""
    payload = struct.pack(">B16sQ", 1, uuid.uuid4().bytes, expiry)
    mac = hmac.digest(key, payload, hashlib.sha256)[:16]

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return f"{b64(payload)}.{b64(mac)}"


@pytest.mark.parametrize("expiry", [2**64 - 1, 2**63, 253402300800, 10**12])
def test_an_absurd_expiry_is_an_invalid_link_not_an_overflow(expiry: int) -> None:
    # Regression: 2**64 - 1 raised OverflowError from datetime (a 500 at the inbox page).
    with pytest.raises(InvalidLinkError):
        verify(forged_expiry(expiry), [KEY], NOW, TTL)


def test_expiry_is_bounded_by_the_longest_lifetime_a_link_is_issued_with() -> None:
    at_most = int((NOW + TTL).timestamp())
    verify(forged_expiry(at_most), [KEY], NOW, TTL)
    with pytest.raises(InvalidLinkError):
        verify(forged_expiry(at_most + 1), [KEY], NOW, TTL)
    with pytest.raises(ExpiredLinkError):
        verify(forged_expiry(0), [KEY], NOW, TTL)


def test_during_a_rotation_links_signed_with_either_key_open() -> None:
    old, new = uuid.uuid4().bytes, uuid.uuid4().bytes
    signed_before = sign(old, NOW + timedelta(days=1), KEY)
    signed_after = sign(new, NOW + timedelta(days=1), NEW_KEY)
    keys = [NEW_KEY, KEY]
    assert verify(signed_before, keys, NOW, TTL)[0] == old
    assert verify(signed_after, keys, NOW, TTL)[0] == new
    # Once the old key is dropped, its links close; a third key never opened anything.
    with pytest.raises(InvalidLinkError):
        verify(signed_before, [NEW_KEY], NOW, TTL)
    with pytest.raises(InvalidLinkError):
        verify(sign(old, NOW + timedelta(days=1), b"x" * 40), keys, NOW, TTL)


def test_an_empty_key_neither_signs_nor_verifies() -> None:
    anyone = forged_expiry(int((NOW + timedelta(days=1)).timestamp()), key=b"")
    with pytest.raises(InvalidLinkError):
        verify(anyone, [b""], NOW, TTL)
    with pytest.raises(InvalidLinkError):
        verify(anyone, [KEY, b""], NOW, TTL)
    with pytest.raises(ValueError, match="signing key"):
        sign(uuid.uuid4().bytes, NOW, b"")


def test_a_purpose_is_signed_so_a_token_opens_nothing_else() -> None:
    sha = hashlib.sha256(b"a photo").digest()
    token = sign(sha, NOW + timedelta(hours=1), KEY, purpose="media")
    assert verify(token, [KEY], NOW, TTL, id_bytes=32, purpose="media")[0] == sha
    with pytest.raises(InvalidLinkError):
        verify(token, [KEY], NOW, TTL, id_bytes=32, purpose="inbox")
    with pytest.raises(InvalidLinkError):
        verify(token, [KEY], NOW, TTL, id_bytes=32)
    # A token for a 16-byte id is not read as one for 32 bytes, nor the other way round.
    with pytest.raises(InvalidLinkError):
        verify(token, [KEY], NOW, TTL, purpose="media")
    with pytest.raises(ValueError, match="purpose"):
        sign(sha, NOW, KEY, purpose="Media\x01")
