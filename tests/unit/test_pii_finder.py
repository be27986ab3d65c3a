"""The personal-data search of tests/security finds numbers however written, and only those."""

from __future__ import annotations

from tests.security.pii import Finder

PHONE = "+919829012345"


def _kinds(text: str) -> list[str]:
    return [h.kind for h in Finder([PHONE]).find(text, "t")]


def test_a_members_number_is_found_in_every_writing() -> None:
    for text in (
        '{"to":"+919829012345"}',
        "to=919829012345",
        "call 9829012345 now",
        "98290 12345",
        "98290-12345",
        "मोबाइल ९८२९०१२३४५",
        "+91 ९८२९० १२३४५",
    ):
        assert _kinds(text) == ["phone"], text


def test_other_numbers_and_ids_are_not_phone_numbers() -> None:
    for text in (
        "+919829012346",  # another number
        "m-9829012345ab",  # inside an id
        "delivery 19829012345",  # inside a longer run
        "2026-12-06T02:28:47.986078Z",
    ):
        assert _kinds(text) == [], text


def test_aadhaar_numbers_need_verhoeffs_check() -> None:
    assert _kinds("आधार 2341 2341 2346") == ["aadhaar"]
    assert _kinds("UID २३४१-२३४१-२३४६") == ["aadhaar"]
    assert _kinds("234123412346") == ["aadhaar"]
    assert _kinds("2341 2341 2345") == []  # the check digit is wrong
    assert _kinds("id 1234 5678 9012") == []  # starts with 1
    assert _kinds("x234123412346") == []  # part of an id
    assert _kinds("90694985-5186-5534-87ac-1b2d714c96cf") == []  # a UUID's digits
    assert _kinds("2341-2341 2346") == []  # two kinds of separator: not one number


def test_a_phone_number_written_in_twelve_digits_is_not_an_aadhaar_number() -> None:
    # Both pass Verhoeff's check; one is a member's number, one another mobile number.
    assert _kinds('"whatsapp": "+917000776062"') == []
    assert _kinds("to 917000233158") == []
