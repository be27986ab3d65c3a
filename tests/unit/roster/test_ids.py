"""Member ids: stable, opaque, never the phone number; unit codes: readable, never the path."""

from __future__ import annotations

from roster.domain.ids import KeyKind, circle_group_id, member_id, normalise_key_text, unit_code


def test_member_ids_are_stable_and_depend_on_kind_key_and_secret() -> None:
    a = member_id(b"s1", KeyKind.PERSONNEL_NO, "RJP0000001")
    assert a == member_id(b"s1", KeyKind.PERSONNEL_NO, "RJP0000001")
    assert a != member_id(b"s2", KeyKind.PERSONNEL_NO, "RJP0000001")
    assert a != member_id(b"s1", KeyKind.VOLUNTEER_ID, "RJP0000001")
    assert a.startswith("m-") and len(a) == 26 and a[2:].isalnum()


def test_a_phone_keyed_id_does_not_contain_the_number() -> None:
    mid = member_id(b"secret", KeyKind.PHONE, "+917000012345")
    assert "7000012345" not in mid and "12345" not in mid


def test_keys_compare_without_case_or_blanks() -> None:
    assert normalise_key_text(" rjp 0000001 ") == "RJP0000001"


def test_unit_codes_name_the_unit_not_its_place() -> None:
    assert unit_code("district", "Sri Ganganagar") == "DST-SRI-GANGANAGAR"
    assert unit_code("police_station", "Kishangarh Bas Kotwali") == "PS-KISHANGARH-BAS-KOTWALI"
    assert unit_code("range", "Ajmer") == "RNG-AJMER"
    assert circle_group_id("CIR-TIJARA") == "circle.CIR-TIJARA"
