"""Signed, expiring inbox links: genuine ones open, forged, altered or expired ones do not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from directive.domain.links import ExpiredLinkError, InvalidLinkError, sign, verify

KEY = b"a-test-key-that-is-long-enough-32b"
NOW = datetime(2026, 1, 26, 12, 0, tzinfo=UTC)


def test_a_signed_link_names_its_delivery_until_it_expires() -> None:
    did = uuid.uuid4()
    token = sign(did, NOW + timedelta(days=1), KEY)
    assert verify(token, KEY, NOW) == (did, NOW + timedelta(days=1))
    assert len(token) < 64  # short enough for an SMS
    with pytest.raises(ExpiredLinkError):
        verify(token, KEY, NOW + timedelta(days=1))


def test_another_key_or_one_changed_character_is_refused() -> None:
    token = sign(uuid.uuid4(), NOW + timedelta(days=1), KEY)
    with pytest.raises(InvalidLinkError):
        verify(token, b"another-key-another-key-another!!", NOW)
    payload, mac = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(InvalidLinkError):
        verify(f"{flipped}.{mac}", KEY, NOW)


@pytest.mark.parametrize("junk", ["", "abc", "a.b", "ठीक.है", "x" * 200])
def test_garbage_is_an_invalid_link_not_a_crash(junk: str) -> None:
    with pytest.raises(InvalidLinkError):
        verify(junk, KEY, NOW)
