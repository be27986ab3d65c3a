"""Delivery ids: deterministic, documented, reproducible without our code."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from nazar_contracts.ids import DELIVERY_NAMESPACE, delivery_id


def _uuid5_by_hand(namespace: uuid.UUID, name: str) -> str:
    # RFC 9562 §5.5, written out so the test does not trust the stdlib's uuid5 alone.
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def test_known_vector() -> None:
    # Published in README.md and the AsyncAPI document; integrators check their code against it.
    assert delivery_id("msg-0d4e8b72-93c1-4f6a-a2b5-7e19c3d5f880", "mbr-5e21c0d4") == (
        "fb5d4f84-c43c-5f84-87ef-698b844d7da3"
    )
    assert str(DELIVERY_NAMESPACE) == "a4d5f0a6-2c9b-5d4e-9f3a-6e1b7c8d9e01"


def test_matches_an_independent_uuid5() -> None:
    for message, member in [("m1", "u1"), ("msg-ÿ", "मेंबर"), ("a.b-c", "x_y")]:
        expected = _uuid5_by_hand(DELIVERY_NAMESPACE, f"{message}:{member}")
        assert delivery_id(message, member) == expected


def test_deterministic_and_distinct() -> None:
    assert delivery_id("msg-1", "mbr-1") == delivery_id("msg-1", "mbr-1")
    ids = {delivery_id(f"msg-{i}", f"mbr-{j}") for i in range(30) for j in range(30)}
    assert len(ids) == 900
    # The order of the two ids matters: a message to a member is not the reverse.
    assert delivery_id("a", "b") != delivery_id("b", "a")


def test_refuses_ambiguous_ids() -> None:
    # "a:b" + "c" and "a" + "b:c" would hash the same name.
    with pytest.raises(ValueError, match="':'"):
        delivery_id("a:b", "c")
    with pytest.raises(ValueError, match="':'"):
        delivery_id("a", "b:c")
