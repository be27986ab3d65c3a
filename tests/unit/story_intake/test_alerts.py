"""Field alerts' pure rules: the vehicle number's one spelling, the text's language, the time an
alert was raised (offline: kept; ahead of the clock: refused), the station it is for, who reads
it and who starts a story from it, and the problem for every refusal in Hindi and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nazar_contracts.vocabulary import Language
from story_intake.adapters.gate_data import vehicle_states
from story_intake.api.alert_problems import ALERTS
from story_intake.api.problems import codes
from story_intake.domain import alerts
from story_intake.domain.alerts import AlertRefusalError, Posting

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
STATES = vehicle_states()


@pytest.mark.parametrize(
    ("raw", "mark"),
    [
        ("rj 14 ca 1234", "RJ14CA1234"),
        ("RJ-14-CA-1234", "RJ14CA1234"),
        ("rj14ca1234", "RJ14CA1234"),
        ("RJ 07 C 45", "RJ07C45"),
        ("dl 3c ab 0042", "DL3CAB0042"),
        ("MH.12.DE.1433", "MH12DE1433"),
        ("22 BH 1234 AA", "22BH1234AA"),
        ("  up16 / bq 9 ", "UP16BQ9"),
    ],
)
def test_a_vehicle_number_is_kept_in_one_spelling(raw: str, mark: str) -> None:
    assert alerts.vehicle_number(raw, STATES) == mark


@pytest.mark.parametrize(
    "raw",
    [
        "XX 14 CA 1234",  # no such state code
        "RJ 14 CA 12345",  # five digits
        "RJ CA 1234",  # no district
        "काली बोलेरो",  # a description, not a number
        "1234",
        "RJ14CAXY1234",  # four series letters
        "22 BH 1234",  # Bharat series without its letters
        "RJ१४CA१२३४",  # Devanagari digits: not a mark the contract carries
    ],
)
def test_what_is_not_an_indian_registration_is_refused(raw: str) -> None:
    with pytest.raises(AlertRefusalError) as refused:
        alerts.vehicle_number(raw, STATES)
    assert refused.value.code == "alert.vehicle_number"


def test_the_language_is_hindi_when_the_text_has_devanagari() -> None:
    hindi = "बस स्टैंड के पास RJ14 नंबर की काली गाड़ी में तीन संदिग्ध व्यक्ति घूम रहे हैं।"
    assert alerts.language_of(hindi) is Language.HI
    assert alerts.language_of("Crowd gathering near the temple, stones thrown") is Language.EN
    with pytest.raises(AlertRefusalError) as refused:
        alerts.language_of("1234 !!! ???")
    assert refused.value.code == "alert.text_language"


def test_an_alert_raised_offline_keeps_its_time_and_a_future_one_is_refused() -> None:
    slack = timedelta(minutes=2)
    earlier = NOW - timedelta(hours=3, minutes=12)
    assert alerts.raised_time(earlier, NOW, slack) == earlier
    assert alerts.raised_time(None, NOW, slack) == NOW
    # A phone a minute fast is within the slack: kept as now, never after it was received.
    assert alerts.raised_time(NOW + timedelta(minutes=1), NOW, slack) == NOW
    with pytest.raises(AlertRefusalError) as refused:
        alerts.raised_time(NOW + timedelta(minutes=3), NOW, slack)
    assert refused.value.code == "alert.raised_in_future"


def test_the_station_is_the_postings_or_the_one_picked() -> None:
    at_station = Posting("PS-TIJARA", "police_station")
    assert alerts.station_for(at_station, None, None) == "PS-TIJARA"
    assert alerts.station_for(at_station, "PS-KBAS", "police_station") == "PS-KBAS"
    above = Posting("CIR-TIJARA", "circle")
    with pytest.raises(AlertRefusalError) as required:
        alerts.station_for(above, None, None)
    assert required.value.code == "alert.station_required"
    assert alerts.station_for(above, "PS-TIJARA", "police_station") == "PS-TIJARA"
    for picked, kind in (("CIR-TIJARA", "circle"), ("PS-NOWHERE", None)):
        with pytest.raises(AlertRefusalError) as unknown:
            alerts.station_for(at_station, picked, kind)
        assert (unknown.value.code, unknown.value.params) == (
            "alert.station_unknown",
            {"station": picked},
        )


def test_only_the_raiser_and_the_officers_of_the_case_read_it() -> None:
    officers = {"M-SHO-1", "M-CO-1"}
    assert alerts.may_read("M-GR-1", "M-GR-1", officers)
    assert alerts.may_read("M-CO-1", "M-GR-1", officers)
    assert not alerts.may_read("M-SP-1", "M-GR-1", officers)  # not routed to: not theirs
    assert not alerts.may_read("M-SHO-2", "M-GR-1", officers)


def test_a_story_starts_from_a_closed_alert_by_an_officer_of_it() -> None:
    officers = {"M-SHO-1", "M-CO-1"}
    alerts.may_start_story("M-SHO-1", "M-CONST-1", officers, "closed")
    refusals = [
        ("M-SHO-1", "taken", "alert.not_closed"),
        ("M-CONST-1", "closed", "alert.not_an_officer"),
        ("M-SHO-2", "closed", "alert.not_found"),
    ]
    for member, state, code in refusals:
        with pytest.raises(AlertRefusalError) as refused:
            alerts.may_start_story(member, "M-CONST-1", officers, state)
        assert refused.value.code == code


def test_a_drafts_title_names_the_kind_and_place_in_the_alerts_language() -> None:
    title = alerts.story_title("liquor_narcotics", "गाँव भिवाड़ी, पुराना कुआँ", Language.HI)
    assert title == "अवैध शराब या नशीले पदार्थ: गाँव भिवाड़ी, पुराना कुआँ"
    assert alerts.story_title("road_accident", "NH-48 km 92", Language.EN).startswith("Road")
    assert len(alerts.story_title("other", "क" * 500, Language.HI)) == alerts.TITLE_MAX
    assert alerts.story_kind("arrest_made") == "arrest"
    assert alerts.story_kind("false_alarm") == "other"


def test_every_alert_refusal_has_hindi_and_english_and_is_registered() -> None:
    assert set(ALERTS) <= codes()
    for code, (status, title_en, title_hi, detail_en, detail_hi) in ALERTS.items():
        assert code.startswith("alert.") and 400 <= status < 500
        assert title_en and detail_en
        assert any("\u0900" <= ch <= "\u097f" for ch in title_hi + detail_hi), code
    assert set(alerts.KIND_NAMES) == {"suspicious", "wanted_person", "crowd_tension",
        "liquor_narcotics", "illegal_mining", "cyber_fraud", "road_accident", "other"}  # fmt: skip
