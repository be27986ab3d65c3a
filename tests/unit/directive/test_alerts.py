"""The rules of field alerts' cases (issue 15): who each stage messages, when a case climbs, a
stage passed at once when its own officer is missing, clustering, and the words sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from directive.domain import alerts as rules
from directive.domain.alerts import AlertFacts, EscalationDelays, Level, Named, Spot
from nazar_contracts.alerts import AlertKind, AlertOutcome, AlertStage, Urgency
from nazar_contracts.vocabulary import Role

AT = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
DELAYS = EscalationDelays(timedelta(hours=1), timedelta(hours=1), timedelta(minutes=10))


def roles(stage: AlertStage, urgency: Urgency) -> list[tuple[Role, Level]]:
    return [(p.role, p.level) for p in rules.stage_posts(stage, urgency)]


def test_routed_to_sho_and_co_and_for_immediate_the_sp() -> None:
    assert roles(AlertStage.ROUTED, Urgency.SOON) == [
        (Role.SHO, Level.STATION),
        (Role.CO, Level.CIRCLE),
    ]
    assert roles(AlertStage.ROUTED, Urgency.IMMEDIATE) == [
        (Role.SHO, Level.STATION),
        (Role.CO, Level.CIRCLE),
        (Role.SP, Level.DISTRICT),
    ]
    assert roles(AlertStage.SP, Urgency.SOON) == [(Role.SP, Level.DISTRICT)]
    assert roles(AlertStage.IG, Urgency.IMMEDIATE) == [(Role.IG, Level.RANGE)]


def test_soon_climbs_to_the_sp_then_the_ig_immediate_straight_to_the_ig() -> None:
    assert rules.next_stage(AlertStage.ROUTED, Urgency.SOON) is AlertStage.SP
    assert rules.next_stage(AlertStage.SP, Urgency.SOON) is AlertStage.IG
    assert rules.next_stage(AlertStage.IG, Urgency.SOON) is None
    assert rules.next_stage(AlertStage.ROUTED, Urgency.IMMEDIATE) is AlertStage.IG
    assert rules.next_stage(AlertStage.IG, Urgency.IMMEDIATE) is None


def test_escalation_times_follow_the_settings() -> None:
    at = rules.next_escalation_at
    assert at(AlertStage.ROUTED, Urgency.SOON, AT, DELAYS) == AT + timedelta(hours=1)
    assert at(AlertStage.SP, Urgency.SOON, AT, DELAYS) == AT + timedelta(hours=1)
    assert at(AlertStage.ROUTED, Urgency.IMMEDIATE, AT, DELAYS) == AT + timedelta(minutes=10)
    assert at(AlertStage.IG, Urgency.IMMEDIATE, AT, DELAYS) is None
    short = EscalationDelays(timedelta(seconds=2), timedelta(seconds=3), timedelta(seconds=1))
    assert at(AlertStage.SP, Urgency.SOON, AT, short) == AT + timedelta(seconds=3)


def test_a_stage_without_its_own_officer_is_passed_at_once() -> None:
    staffed = {AlertStage.ROUTED: True}
    assert rules.stages_to_message(AlertStage.ROUTED, Urgency.SOON, staffed) == [AlertStage.ROUTED]
    # A station without an SHO: the SP hears at once; a district without an SP: the IG too.
    no_sho = {AlertStage.ROUTED: False, AlertStage.SP: True}
    assert rules.stages_to_message(AlertStage.ROUTED, Urgency.SOON, no_sho) == [
        AlertStage.ROUTED,
        AlertStage.SP,
    ]
    nobody = {AlertStage.ROUTED: False, AlertStage.SP: False, AlertStage.IG: False}
    assert rules.stages_to_message(AlertStage.ROUTED, Urgency.SOON, nobody) == [
        AlertStage.ROUTED,
        AlertStage.SP,
        AlertStage.IG,
    ]
    assert rules.stages_to_message(AlertStage.ROUTED, Urgency.IMMEDIATE, {}) == [
        AlertStage.ROUTED,
        AlertStage.IG,
    ]


def test_place_text_is_compared_without_case_punctuation_or_spacing() -> None:
    assert rules.place_key("  बस स्टैंड,  गांधी चौक ") == rules.place_key("बस स्टैंड गांधी चौक")
    assert rules.place_key("Gandhi Chowk, Bus-Stand") == rules.place_key("gandhi chowk bus stand")
    assert rules.place_key("गांधी चौक") != rules.place_key("नेहरू चौक")


def test_distance_is_the_great_circle_one() -> None:
    # 0.0045° of latitude is about 500 m anywhere.
    assert rules.distance_m(28.0, 73.3, 28.0045, 73.3) == pytest.approx(500.4, abs=1.0)
    assert rules.distance_m(28.0, 73.3, 28.0, 73.3) == 0.0


def spot(
    kind: AlertKind = AlertKind.CROWD_TENSION,
    place: str = "गांधी चौक",
    lat: float | None = 28.0,
    lon: float | None = 73.3,
    at: datetime = AT,
) -> Spot:
    return Spot(kind, rules.place_key(place), lat, lon, at)


def test_clustering_joins_near_and_recent_alerts_of_one_kind() -> None:
    incident = spot()
    assert rules.joins(spot(place="मंडी के पास", lat=28.004, at=AT + timedelta(minutes=29)), incident)
    assert rules.joins(spot(lat=None, lon=None), incident)  # same place text, no position
    assert not rules.joins(spot(place="मंडी के पास", lat=28.006), incident)  # 667 m away
    assert not rules.joins(spot(at=AT + timedelta(minutes=31)), incident)
    assert not rules.joins(spot(kind=AlertKind.ROAD_ACCIDENT), incident)
    # an offline alert raised before the incident's last one still counts within the window
    assert rules.joins(spot(at=AT - timedelta(minutes=20)), incident)


def test_most_urgent_wins() -> None:
    assert rules.more_urgent(Urgency.SOON, Urgency.IMMEDIATE) is Urgency.IMMEDIATE
    assert rules.more_urgent(Urgency.SOON, Urgency.SOON) is Urgency.SOON


def test_routing_ids_are_stable() -> None:
    assert rules.routing_message_id("alt-1") == rules.routing_message_id("alt-1")
    assert rules.routing_message_id("alt-1") != rules.routing_message_id("alt-2")


def facts() -> AlertFacts:
    return AlertFacts(
        kind=AlertKind.SUSPICIOUS,
        urgency=Urgency.IMMEDIATE,
        text="दो लोग बिना नंबर की बाइक पर स्कूल के पास घूम रहे हैं",
        place="राजकीय विद्यालय, गांधी चौक",
        vehicle_number="RJ07AB1234",
        raiser=Named("रामलाल मीणा", "Ramlal Meena"),
        raiser_role=rules.role_name("gram_rakshak"),
        station=Named("थाना कोतवाली", "Kotwali station"),
        link="https://nazar.example/directive/console/alerts?incident=alt-1",
    )


def test_the_officers_message_says_everything_in_both_languages() -> None:
    text = rules.officer_message(facts(), AlertStage.ROUTED)
    assert text.title_hi == "अलर्ट (तत्काल): संदिग्ध व्यक्ति या वाहन — थाना कोतवाली"
    assert text.body_hi is not None and text.body_en is not None
    for part in (
        "दो लोग बिना नंबर की बाइक",
        "राजकीय विद्यालय, गांधी चौक",
        "RJ07AB1234",
        "रामलाल मीणा",
        "ग्राम रक्षक",
        "पावती दें",
        "console/alerts?incident=alt-1",
    ):
        assert part in text.body_hi
    assert "Ramlal Meena, Gram rakshak, Kotwali station" in text.body_en
    assert text.title_en == "Alert (IMMEDIATE): Suspicious person or vehicle — Kotwali station"
    escalated = rules.officer_message(facts(), AlertStage.IG)
    assert escalated.title_en is not None and escalated.title_en.startswith("Escalated to the IG")
    handed = rules.officer_message(
        facts(), AlertStage.ROUTED, handed_from=Named("थाना सदर", "Sadar")
    )
    assert handed.body_hi is not None and "थाना सदर से सौंपा गया" in handed.body_hi


def test_the_raisers_notices() -> None:
    taken = rules.taken_notice(
        AlertKind.CROWD_TENSION, rules.role_name("sho"), Named("थाना कोतवाली", "Kotwali")
    )
    assert taken.body_hi == "आपका अलर्ट थानाधिकारी, थाना कोतवाली ने लिया है। धन्यवाद।"
    assert taken.body_en == "Your alert was taken by the SHO, Kotwali. Thank you."
    closed = rules.closed_notice(AlertKind.CROWD_TENSION, AlertOutcome.FIR_REGISTERED, "123/2026")
    assert (
        closed.body_hi is not None
        and "प्राथमिकी दर्ज की गई (प्राथमिकी संख्या 123/2026)" in closed.body_hi
    )
    arrest = rules.closed_notice(AlertKind.SUSPICIOUS, AlertOutcome.ARREST_MADE, None)
    assert arrest.body_en == "The outcome of your alert: arrest made. Thank you for reporting it."


def test_post_levels_and_age_bands() -> None:
    assert rules.post_level("sho") is Level.STATION
    assert rules.post_level("ig") is Level.RANGE
    assert rules.post_level("constable") is None
    assert rules.count_by_age([5, 700, 4000, 90_000]) == {
        "under_10m": 1,
        "under_1h": 1,
        "under_6h": 1,
        "under_24h": 0,
        "over_24h": 1,
    }


def test_a_case_made_immediate_by_a_joining_alert_tells_the_sp_before_the_ig_and_sooner() -> None:
    assert rules.climb_to(AlertStage.ROUTED, Urgency.IMMEDIATE, sp_told=False) is AlertStage.SP
    assert rules.climb_to(AlertStage.ROUTED, Urgency.IMMEDIATE, sp_told=True) is AlertStage.IG
    assert rules.climb_to(AlertStage.ROUTED, Urgency.SOON, sp_told=False) is AlertStage.SP
    assert rules.climb_to(AlertStage.SP, Urgency.IMMEDIATE, sp_told=True) is AlertStage.IG
    assert rules.climb_to(AlertStage.IG, Urgency.SOON, sp_told=True) is None
    # From the SP on, an immediate case keeps the immediate pace.
    at = rules.next_escalation_at(AlertStage.SP, Urgency.IMMEDIATE, AT, DELAYS)
    assert at == AT + timedelta(minutes=10)
    due = AT + timedelta(minutes=50)
    assert rules.hurried(due, Urgency.SOON, Urgency.IMMEDIATE, AT, DELAYS) == AT + timedelta(
        minutes=10
    )
    assert rules.hurried(due, Urgency.SOON, Urgency.SOON, AT, DELAYS) == due
    assert rules.hurried(None, Urgency.SOON, Urgency.IMMEDIATE, AT, DELAYS) is None  # taken
    soon = AT + timedelta(minutes=5)
    assert rules.hurried(soon, Urgency.SOON, Urgency.IMMEDIATE, AT, DELAYS) == soon
