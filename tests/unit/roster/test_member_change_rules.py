"""The rules of an office's changes to one member (roster.domain.member_changes)."""

from __future__ import annotations

from datetime import date

from nazar_contracts.vocabulary import Role, UnitKind
from roster.domain.member_changes import (
    TRANSFER_REASONS,
    Target,
    consent_problems,
    masked,
    reasons_text,
    transfer_problems,
)

TODAY = date(2026, 12, 6)
STATION = Target("PS-B", UnitKind.POLICE_STATION, active=True)


def test_a_constable_moves_to_another_station_from_today_or_before() -> None:
    for on in (TODAY, date(2026, 11, 1)):
        assert transfer_problems(Role.CONSTABLE, date(2020, 1, 1), on, TODAY, "PS-A", STATION) == []


def test_every_broken_rule_is_named() -> None:
    closed_circle = Target("CIR-X", UnitKind.CIRCLE, active=False)
    assert transfer_problems(
        Role.GRAM_RAKSHAK, date(2026, 12, 1), date(2026, 12, 9), TODAY, "PS-A", closed_circle
    ) == ["unit-closed", "rank-not-allowed-at-unit", "date-in-future"]
    assert transfer_problems(
        Role.CONSTABLE, date(2026, 12, 1), date(2026, 11, 30), TODAY, "PS-B", STATION
    ) == ["same-unit", "date-before-posting"]
    assert transfer_problems(Role.SP, TODAY, TODAY, TODAY, "DST-A", None) == ["unknown-unit"]
    # An SP is posted at a district, never at a station.
    assert transfer_problems(Role.SP, date(2025, 1, 1), TODAY, TODAY, "DST-A", STATION) == [
        "rank-not-allowed-at-unit"
    ]


def test_consent_is_a_volunteers_and_not_from_the_future() -> None:
    assert consent_problems(TODAY, TODAY, required=True) == []
    assert consent_problems(date(2026, 12, 7), TODAY, required=True) == ["date-in-future"]
    assert consent_problems(TODAY, TODAY, required=False) == ["not-a-volunteer"]


def test_a_number_shows_its_last_four_digits_only() -> None:
    assert masked("+919876543210") == "••••••••3210"
    assert masked("3210") == "3210"
    assert masked(None) is None and masked("") is None


def test_every_reason_reads_in_hindi_and_english() -> None:
    for hi, en in TRANSFER_REASONS.values():
        assert any("\u0900" <= ch <= "\u097f" for ch in hi) and en.isascii()
    en, hi = reasons_text(["same-unit", "date-in-future"])
    assert en == "the member is posted there already; the date cannot be in the future"
    assert hi.count(";") == 1 and "भविष्य" in hi
