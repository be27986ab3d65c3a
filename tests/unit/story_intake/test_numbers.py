from __future__ import annotations

from story_intake.domain.normalise import normalise
from story_intake.domain.numbers import numbers, vehicles


def found(text: str) -> list[tuple[str, str]]:
    norm = normalise(text)
    hits = numbers(norm.text) + vehicles(norm.text, frozenset({"rj", "dl"}))
    return [(h.kind, text[slice(*norm.span(h.start, h.end))]) for h in hits]


def test_aadhaar_numbers_need_a_valid_check_digit() -> None:
    assert found("आधार 2341 2341 2346") == [("aadhaar", "2341 2341 2346")]
    assert found("UID 2341-2341-2346.") == [("aadhaar", "2341-2341-2346")]
    assert found("आधार २३४१ २३४१ २३४६") == [("aadhaar", "२३४१ २३४१ २३४६")]
    assert found("in 2024 2341 2341 2346") == [("aadhaar", "2341 2341 2346")]
    assert found("FIR 123412341234") == []  # fails Verhoeff
    assert found("challan 987654321090") == []


def test_phone_numbers_written_every_way_but_not_short_or_toll_free_ones() -> None:
    assert found("call 9 8 7 6 5-4 3 2 1 0 now") == [("phone", "9 8 7 6 5-4 3 2 1 0")]
    assert found("+91 98290 12345") == [("phone", "+91 98290 12345")]
    assert found("0141-2345678") == [("phone", "0141-2345678")]
    assert found("helplines 100, 112, 1090, 1098, 181, 1930") == []
    assert found("toll free 1800-180-6127") == []
    assert found("FIR 245/2024 dated 12.05.2024, Rs 1,25,000") == []


def test_private_e_mail_addresses_but_not_government_ones() -> None:
    assert found("x.y@gmail.com or sp.jaipur@rajpolice.gov.in or a@nic.in") == [
        ("email", "x.y@gmail.com")
    ]


def test_vehicle_registration_marks_in_their_spacing_variants() -> None:
    text = "RJ-07-CA-1234, rj 14 c 1234, RJ14CA1234, DL-3C-AB-1234, RJ Police"
    assert [t for _, t in found(text)] == [
        "RJ-07-CA-1234", "rj 14 c 1234", "RJ14CA1234", "DL-3C-AB-1234",
    ]  # fmt: skip
