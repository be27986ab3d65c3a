"""CSV rows: each rule of the documented column sets, with real Hindi names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nazar_contracts.vocabulary import Role
from roster.domain.reasons import REASONS
from roster.domain.rows import (
    HeaderError,
    ImportKind,
    MemberRow,
    Rejected,
    check_header,
    parse_police,
    parse_volunteer,
)

SECRET = b"test"


def police(**values: str) -> MemberRow | Rejected:
    base = {"personnel_no": "RJP0000001", "name_hi": "रमेश चौधरी", "name_latin": "Ramesh Choudhary",
            "rank": "constable", "unit": "PS-RAMGARH"}  # fmt: skip
    return parse_police(2, {**base, **values}, SECRET)


def codes(result: MemberRow | Rejected) -> list[str]:
    assert isinstance(result, Rejected)
    return [p.code for p in result.problems]


def test_a_good_hr_row() -> None:
    row = police(whatsapp="070000 00001", additional_charge="sho@PS-RAMGARH;si@PS-NEEMSAR")
    assert isinstance(row, MemberRow)
    assert row.whatsapp == "+917000000001" and row.sms is None
    assert [(p.role, p.unit_id, p.primary) for p in row.postings] == [
        (Role.CONSTABLE, "PS-RAMGARH", True),
        (Role.SHO, "PS-RAMGARH", False),
        (Role.SI, "PS-NEEMSAR", False),
    ]
    assert row.member_id == police(personnel_no=" rjp0000001").member_id


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"personnel_no": ""}, ["missing-personnel-no"]),
        ({"name_hi": "", "name_latin": ""}, ["missing-name"]),
        ({"name_hi": "Ramesh"}, ["name-hi-not-devanagari"]),
        ({"rank": "general"}, ["unknown-rank"]),
        ({"rank": "gram_rakshak"}, ["volunteer-role-in-hr-export"]),
        ({"unit": ""}, ["missing-unit"]),
        ({"unit": "ps ramgarh!"}, ["bad-unit-code"]),
        ({"posted_since": "1/2/2020"}, ["bad-date"]),
        ({"whatsapp": "12345"}, ["bad-whatsapp"]),
        ({"sms": "+91 5000000000"}, ["bad-sms"]),
        ({"language": "raj"}, ["bad-language"]),
        ({"active": "maybe"}, ["bad-flag"]),
        ({"additional_charge": "sp"}, ["bad-additional-charge"]),
    ],
)
def test_each_hr_rule(values: dict[str, str], expected: list[str]) -> None:
    assert codes(police(**values)) == expected


def test_several_problems_are_all_reported_and_the_key_is_kept() -> None:
    result = police(whatsapp="1", sms="2", rank="x")
    assert codes(result) == ["unknown-rank", "bad-whatsapp", "bad-sms"]
    assert isinstance(result, Rejected) and result.natural_key == "RJP0000001"
    assert result.member_id is not None


def volunteer(**values: str) -> MemberRow | Rejected:
    base = {"volunteer_id": "V1", "name_hi": "सुनीता मीणा", "role": "suraksha_sakhi",
            "police_station": "PS-RAMGARH", "sms": "+917000000002"}  # fmt: skip
    return parse_volunteer(3, {**base, **values}, SECRET, datetime(2025, 5, 1, tzinfo=UTC))


def test_volunteer_consent_and_keys() -> None:
    granted = volunteer(consent="granted", consent_date="2025-01-15")
    assert isinstance(granted, MemberRow) and granted.consent_state == "granted"
    assert granted.consent_method == "form" and granted.consent_recorded_at is not None
    pending = volunteer()
    assert isinstance(pending, MemberRow) and pending.consent_state == "pending"
    by_phone = volunteer(volunteer_id="")
    assert isinstance(by_phone, MemberRow) and by_phone.volunteer_id is None
    assert by_phone.member_id != pending.member_id
    assert by_phone.natural_key == "", "a phone number is never shown as the key"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"role": "constable"}, ["not-a-volunteer-role"]),
        ({"consent": "yes"}, ["bad-consent"]),
        ({"consent": "granted"}, ["consent-date-required"]),
        ({"consent_method": "pigeon"}, ["bad-consent-method"]),
        ({"volunteer_id": "", "sms": "", "whatsapp": ""}, ["missing-key"]),
    ],
)
def test_each_volunteer_rule(values: dict[str, str], expected: list[str]) -> None:
    assert codes(volunteer(**values)) == expected


def test_headers_and_reason_texts() -> None:
    assert (
        check_header(ImportKind.POLICE, ["\ufeffPersonnel_No", "rank", "UNIT"])[0] == "personnel_no"
    )
    with pytest.raises(HeaderError) as caught:
        check_header(ImportKind.VOLUNTEERS, ["name_hi"])
    assert caught.value.missing == ["police_station", "role"]
    for hindi, english in REASONS.values():
        assert any("\u0900" <= ch <= "\u097f" for ch in hindi) and english.isascii()


def test_a_cell_that_is_not_text_is_one_problem_naming_its_column() -> None:
    # The import finds these columns with nazar_platform.text.first_invalid; the row rules say
    # nothing more about them (no "missing", no "bad value").
    invalid = ["active", "name_hi", "personnel_no", "whatsapp"]
    row = parse_police(
        2,
        {"personnel_no": "RJP\x00001", "name_hi": "राम\x00", "name_latin": "Ram",
         "rank": "constable", "unit": "PS-RAMGARH", "whatsapp": "+91\x1b", "active": "x\x07"},
        SECRET,
        invalid,
    )  # fmt: skip
    assert isinstance(row, Rejected)
    assert [(p.code, p.column) for p in row.problems] == [("invalid-text", c) for c in invalid]
    assert row.natural_key is None and row.member_id is None, "an unreadable key is no key"
    values = {"role": "police_mitra", "police_station": "PS-RAMGARH", "name_hi": "सुनीता",
              "whatsapp": "\x00"}  # fmt: skip
    lone = parse_volunteer(3, values, SECRET, None, ["whatsapp"])
    assert codes(lone) == ["invalid-text"], "no missing-key for a number that is not text"
