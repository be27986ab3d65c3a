"""The rules the models enforce beyond field types: what a producer cannot publish."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from nazar_contracts.base import BilingualText
from nazar_contracts.contacts import ContactUpserted
from nazar_contracts.directives import (
    Audience,
    AudienceScope,
    DirectiveIssued,
    DirectiveRelayed,
)
from nazar_contracts.dispatch import DispatchReplied, DispatchRequested
from nazar_contracts.ids import delivery_id
from nazar_contracts.members import ConsentState, MemberUpserted, Posting
from nazar_contracts.registry import InvalidEventError, parse
from nazar_contracts.units import UnitUpserted
from nazar_contracts.vocabulary import Role, UnitKind
from pydantic import ValidationError

from tests.unit.contracts.support import HINDI, golden, parsed

IST = timezone(timedelta(hours=5, minutes=30))


def _with(event_type: str, **changes: Any) -> dict[str, Any]:
    return {**golden(event_type), **changes}


def test_bilingual_text_needs_one_language_and_keeps_hindi() -> None:
    assert BilingualText(hi=HINDI).hi == HINDI
    assert BilingualText(en="Police will keep a close watch").hi is None
    with pytest.raises(ValidationError, match="at least one"):
        BilingualText()
    with pytest.raises(ValidationError):
        BilingualText(hi="")


def test_times_must_be_aware_and_are_normalised_to_utc() -> None:
    ist = datetime(2026, 11, 28, 10, 0, tzinfo=IST)
    unit = dict(parse("nazar.unit.upserted.v1", golden("nazar.unit.upserted.v1")))
    built = UnitUpserted(**{**unit, "updated_at": ist})
    assert built.updated_at == ist
    assert built.updated_at.tzinfo is UTC
    assert built.model_dump(mode="json")["updated_at"] == "2026-11-28T04:30:00Z"
    with pytest.raises(ValidationError, match="timezone"):
        UnitUpserted(**{**unit, "updated_at": datetime(2026, 11, 28, 10, 0)})
    with pytest.raises(InvalidEventError, match="updated_at"):
        parse(
            "nazar.unit.upserted.v1",
            _with("nazar.unit.upserted.v1", updated_at="2026-11-28T10:00:00"),
        )


def test_producers_cannot_rely_on_coercion_but_consumers_read_json() -> None:
    unit = golden("nazar.unit.upserted.v1")
    fields = {**unit, "updated_at": datetime(2026, 11, 20, 6, 15, tzinfo=UTC)}
    with pytest.raises(ValidationError):  # a str is not a UnitKind in Python (strict)
        UnitUpserted(**fields)
    with pytest.raises(ValidationError):
        UnitUpserted(**{**fields, "kind": UnitKind.CIRCLE, "version": "3"})
    assert UnitUpserted(**{**fields, "kind": UnitKind.CIRCLE}).kind is UnitKind.CIRCLE
    assert parsed(UnitUpserted, unit).kind is UnitKind.CIRCLE


def test_models_are_frozen() -> None:
    unit = parsed(UnitUpserted, golden("nazar.unit.upserted.v1"))
    with pytest.raises(ValidationError):
        unit.active = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"path": ["PHQ", "RNG-JAIPUR", "DST-KHAIRTHAL-TIJARA"]}, "end with the unit"),
        ({"parent_id": "RNG-JAIPUR"}, "parent_id"),
        ({"parent_id": None}, "only the state unit"),
        ({"closed_at": "2026-11-21T00:00:00Z"}, "closed unit"),
        ({"unit_id": "cir tijara", "path": ["cir tijara"]}, "unit_id"),
    ],
)
def test_unit_tree_rules(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEventError, match=message):
        parse("nazar.unit.upserted.v1", _with("nazar.unit.upserted.v1", **changes))


def test_the_state_unit_has_no_parent() -> None:
    state = _with(
        "nazar.unit.upserted.v1",
        unit_id="PHQ",
        kind="state",
        name={"hi": "पुलिस मुख्यालय", "en": "Police Headquarters"},
        parent_id=None,
        path=["PHQ"],
    )
    assert parsed(UnitUpserted, state).path == ["PHQ"]


def _consent(**fields: Any) -> dict[str, Any]:
    return {**golden("nazar.member.upserted.v1")["consent"], **fields}


@pytest.mark.parametrize(
    ("consent", "message"),
    [
        (_consent(state="not_required"), "not_required"),
        (_consent(state="withdrawn"), "withdrawn_at"),
        (_consent(recorded_at=None), "recorded_at"),
        (_consent(required=False), "not_required"),
    ],
)
def test_consent_rules(consent: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEventError, match=message):
        parse("nazar.member.upserted.v1", _with("nazar.member.upserted.v1", consent=consent))


def test_a_volunteer_needs_consent_and_a_constable_does_not() -> None:
    member = golden("nazar.member.upserted.v1")
    police = [{**member["postings"][0], "role": "constable"}]
    with pytest.raises(InvalidEventError, match="community role"):
        parse("nazar.member.upserted.v1", {**member, "postings": police})
    ok = {**member, "postings": police, "consent": {"required": False, "state": "not_required"}}
    parsed = parse("nazar.member.upserted.v1", ok)
    assert isinstance(parsed, MemberUpserted)
    assert parsed.consent.state is ConsentState.NOT_REQUIRED


def test_member_names_and_primary_posting() -> None:
    member = golden("nazar.member.upserted.v1")
    with pytest.raises(InvalidEventError, match="name_hi"):
        parse("nazar.member.upserted.v1", {**member, "name_hi": "Suresh"})  # not Devanagari
    with pytest.raises(InvalidEventError, match="name_hi or name_latin"):
        parse("nazar.member.upserted.v1", {**member, "name_hi": None, "name_latin": None})
    second = {**member["postings"][0], "unit_id": "CIR-TIJARA", "unit_path": ["CIR-TIJARA"]}
    with pytest.raises(InvalidEventError, match="exactly one posting is primary"):
        parse("nazar.member.upserted.v1", {**member, "postings": [*member["postings"], second]})
    posting = Posting(
        role=Role.GRAM_RAKSHAK,
        unit_id="PS-TIJARA",
        unit_path=["PHQ", "PS-TIJARA"],
        primary=True,
        since=date(2025, 3, 1),
    )
    assert posting.since.year == 2025


def test_members_topic_cannot_carry_phone_numbers() -> None:
    # Unknown fields are dropped on parse, so a number smuggled in never reaches a consumer.
    member = _with("nazar.member.upserted.v1", phone="+917000000417")
    parsed = parse("nazar.member.upserted.v1", member)
    assert "7000000417" not in parsed.model_dump_json()
    assert "phone" not in MemberUpserted.model_fields
    assert not {"whatsapp", "sms"} & set(MemberUpserted.model_fields)


def test_contact_numbers_and_messaging_flag() -> None:
    with pytest.raises(InvalidEventError, match="whatsapp"):
        parse(
            "nazar.contact.upserted.v1", _with("nazar.contact.upserted.v1", whatsapp="7000000417")
        )
    withdrawn = _with("nazar.contact.upserted.v1", consent_state="withdrawn")
    with pytest.raises(InvalidEventError, match="messaging_allowed"):
        parse("nazar.contact.upserted.v1", withdrawn)
    quiet = parse("nazar.contact.upserted.v1", {**withdrawn, "messaging_allowed": False})
    assert isinstance(quiet, ContactUpserted)
    assert quiet.messaging_allowed is False


def test_validation_errors_never_echo_values() -> None:
    bad = _with("nazar.contact.upserted.v1", whatsapp="+91 70000 00417 (home)")
    with pytest.raises(InvalidEventError) as caught:
        parse("nazar.contact.upserted.v1", bad)
    assert "whatsapp" in str(caught.value)
    assert "70000" not in str(caught.value)


def test_audience_scope_and_units() -> None:
    with pytest.raises(ValidationError, match="unit_ids"):
        Audience(scope=AudienceScope.STATE, unit_ids=["DST-BIKANER"])
    with pytest.raises(ValidationError, match="unit_ids"):
        Audience(scope=AudienceScope.UNITS, unit_ids=[])
    with pytest.raises(ValidationError, match="roles"):
        Audience(scope=AudienceScope.STATE, unit_ids=[], roles=[])
    everyone = Audience(scope=AudienceScope.STATE, unit_ids=[])
    assert everyone.roles is None


def test_directive_defaults_and_bounds() -> None:
    issued = golden("nazar.directive.issued.v1")
    without = {k: v for k, v in issued.items() if k not in {"ack_threshold", "attachments"}}
    parsed = parse("nazar.directive.issued.v1", without)
    assert isinstance(parsed, DirectiveIssued)
    assert parsed.ack_threshold == 0.8
    assert parsed.attachments == []
    with pytest.raises(InvalidEventError, match="ack_threshold"):
        parse("nazar.directive.issued.v1", {**issued, "ack_threshold": 1.5})
    with pytest.raises(InvalidEventError, match="ack_window_seconds"):
        parse("nazar.directive.issued.v1", {**issued, "ack_window_seconds": 0})


def test_relay_and_escalation_rules() -> None:
    relayed = golden("nazar.directive.relayed.v1")
    with pytest.raises(InvalidEventError, match="relayed_by"):
        parse("nazar.directive.relayed.v1", {**relayed, "relayed_by": None})
    automatic = parsed(DirectiveRelayed, {**relayed, "relayed_by": None, "automatic": True})
    assert automatic.relayed_by is None
    escalated = golden("nazar.directive.escalated.v1")
    with pytest.raises(InvalidEventError, match="level"):
        parse("nazar.directive.escalated.v1", {**escalated, "level": 3})


@pytest.mark.parametrize(
    "event_type",
    [
        "nazar.dispatch.requested.v1",
        "nazar.dispatch.sent.v1",
        "nazar.dispatch.failed.v1",
        "nazar.directive.acknowledged.v1",
    ],
)
def test_delivery_id_must_be_the_derived_one(event_type: str) -> None:
    example = golden(event_type)
    assert example["delivery_id"] == delivery_id(example["message_id"], example["member_id"])
    other = delivery_id(example["message_id"], "mbr-someone-else")
    with pytest.raises(InvalidEventError, match="delivery_id"):
        parse(event_type, {**example, "delivery_id": other})


def test_dispatch_request_text_and_links() -> None:
    requested = golden("nazar.dispatch.requested.v1")
    parsed = parse("nazar.dispatch.requested.v1", requested)
    assert isinstance(parsed, DispatchRequested)
    assert parsed.title == requested["title"]
    with pytest.raises(InvalidEventError, match="inbox_url"):
        parse("nazar.dispatch.requested.v1", {**requested, "inbox_url": "http://insecure"})
    with pytest.raises(InvalidEventError, match="reply_code"):
        parse("nazar.dispatch.requested.v1", {**requested, "reply_code": "k7"})


def test_replies_carry_their_content() -> None:
    replied = golden("nazar.dispatch.replied.v1")
    with pytest.raises(InvalidEventError, match="button_payload"):
        parse("nazar.dispatch.replied.v1", {**replied, "button_payload": None})
    text = {**replied, "kind": "text", "text": "ठीक है", "button_payload": None}
    parsed = parse("nazar.dispatch.replied.v1", text)
    assert isinstance(parsed, DispatchReplied)
    assert parsed.text == "ठीक है"


def test_group_admins_are_members() -> None:
    group = golden("nazar.group.upserted.v1")
    with pytest.raises(InvalidEventError, match="admin"):
        parse("nazar.group.upserted.v1", {**group, "admins": ["mbr-not-in-group"]})
