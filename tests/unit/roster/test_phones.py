"""Phone numbers: the fast path agrees with phonenumbers; errors never repeat the number."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from roster.domain import phones


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+917000000001", "+917000000001"),
        ("+91 70000 00001", "+917000000001"),
        ("07000000001", "+917000000001"),
        ("7000000001", "+917000000001"),
        ("+91-98290-12345", "+919829012345"),
        ("91 9829012345", "+919829012345"),
        ("+14155552671", "+14155552671"),
    ],
)
def test_usual_ways_of_writing_a_mobile_become_e164(written: str, e164: str) -> None:
    assert phones.normalise(written) == e164


@pytest.mark.parametrize(
    "bad", ["5000000001", "+91 12345", "abc", "+9114123456789", "0141 2345678"]
)
def test_invalid_or_fixed_line_numbers_are_refused_without_echo(bad: str) -> None:
    with pytest.raises(phones.InvalidPhoneError) as caught:
        phones.normalise(bad)
    assert bad not in str(caught.value)


def test_fast_path_agrees_with_phonenumbers_on_random_indian_mobiles() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        number = f"+91{rng.randint(6, 9)}{rng.randint(0, 999_999_999):09d}"
        parsed = phonenumbers.parse(number, "IN")
        assert phonenumbers.is_valid_number(parsed), number
        assert phones.normalise(number) == number


def test_blank_is_no_number() -> None:
    assert phones.normalise_optional("  ") is None
    assert phones.normalise_optional(None) is None
