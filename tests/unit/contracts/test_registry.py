"""The registry: names, topics, keys, lookups and errors."""

from __future__ import annotations

import pytest
from nazar_contracts import event_types, topics
from nazar_contracts.directives import Priority
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.members import MemberUpserted
from nazar_contracts.registry import (
    SPECS,
    TYPE_PATTERN,
    InvalidEventError,
    UnknownEventTypeError,
    parse,
    parse_json,
    spec_for_model,
    spec_for_type,
    specs_on,
)

from tests.unit.contracts.support import DATA_TYPES, golden

EXPECTED = {
    "roster.units.v1": {"nazar.unit.upserted.v1", "nazar.unit.upserted.v2"},
    "roster.members.v1": {"nazar.member.upserted.v1", "nazar.member.erased.v1"},
    "roster.contacts.v1": {"nazar.contact.upserted.v1", "nazar.contact.erased.v1"},
    "roster.groups.v1": {"nazar.group.upserted.v1", "nazar.group.removed.v1"},
    "directive.events.v1": {
        f"nazar.directive.{verb}.v1"
        for verb in (
            "issued", "updated", "cancelled", "relayed", "noted", "escalated", "acknowledged",
            "closed",
        )
    },
    "dispatch.deliveries.v1": {"nazar.dispatch.requested.v1"},
    "dispatch.deliveries.flash.v1": {"nazar.dispatch.requested.v1"},
    "dispatch.receipts.v1": {
        f"nazar.dispatch.{verb}.v1" for verb in ("sent", "delivered", "read", "failed")
    },
    "dispatch.replies.v1": {"nazar.dispatch.replied.v1", "nazar.dispatch.opted_out.v1"},
    "story.events.v1": {
        f"nazar.story.{verb}.v1"
        for verb in (
            "submitted", "resubmitted", "forwarded", "sent_back", "rejected", "withdrawn",
            "approved", "claimed", "circulation_requested",
        )
    },
    "publish.requests.v1": {
        "nazar.publish.requested.v1",
        "nazar.publish.withdrawal_requested.v1",
        "nazar.publish.withdrawal_confirmed.v1",
    },
    "publish.results.v1": {
        f"nazar.publish.{verb}.v1"
        for verb in (
            "posted", "failed", "withdrawal_task_opened", "withdrawn", "withdrawal_failed",
            "account_stopped", "account_resumed",
        )
    },
    "alert.events.v1": {"nazar.alert.raised.v1"},
    "alert.cases.v1": {
        f"nazar.alert.{verb}.v1"
        for verb in ("routed", "escalated", "taken", "handed_over", "closed")
    },
    "auth.codes.v1": {"nazar.auth.code_requested.v1"},
    "erasure.confirmations.v1": {"nazar.erasure.confirmed.v1"},
}  # fmt: skip


def test_every_topic_carries_the_types_of_the_architecture_table() -> None:
    carried = {t.name: {s.type for s in specs_on(t.name)} for t in topics.TOPICS}
    assert carried == EXPECTED


def test_type_names_follow_the_convention_and_are_unique() -> None:
    names = [s.type for s in SPECS]
    assert len(names) == len(set(names))
    for name in names:
        assert TYPE_PATTERN.match(name), name
    assert not TYPE_PATTERN.match("nazar.directive.Issued.v1")
    assert not TYPE_PATTERN.match("nazar.directive.issued")


def test_tombstones_only_on_compacted_topics() -> None:
    for spec in SPECS:
        if spec.tombstone:
            assert topics.topic(spec.topic).cleanup == "compact", spec.type


def test_keys_are_the_aggregate_ids() -> None:
    keys = {t: spec_for_type(t).key(parse(t, golden(t))) for t in DATA_TYPES}
    assert keys["nazar.unit.upserted.v1"] == "CIR-TIJARA"
    assert keys["nazar.group.upserted.v1"] == "GRP-CIR-TIJARA"
    member = golden("nazar.member.upserted.v1")["member_id"]
    directive = golden("nazar.directive.issued.v1")["directive_id"]
    delivery = golden("nazar.dispatch.requested.v1")["delivery_id"]
    for event_type, key in keys.items():
        topic = spec_for_type(event_type).topic
        if topic == topics.DIRECTIVE_EVENTS:
            assert key == directive, event_type
        elif topic == topics.DISPATCH_RECEIPTS:
            assert key == delivery, event_type
        elif topic in {topics.ROSTER_MEMBERS, topics.ROSTER_CONTACTS, topics.DISPATCH_DELIVERIES}:
            assert key == member, event_type
        elif topic == topics.STORY_EVENTS:
            assert key == golden("nazar.story.submitted.v1")["story_id"], event_type
    # Deliveries are keyed by the recipient so that one person's messages stay in order.
    assert keys["nazar.dispatch.requested.v1"] == member


def test_flash_deliveries_go_to_their_own_topic() -> None:
    spec = spec_for_model(DispatchRequested)
    urgent = parse("nazar.dispatch.requested.v1", golden("nazar.dispatch.requested.v1"))
    assert isinstance(urgent, DispatchRequested)
    assert spec.topic_for(urgent) == topics.DISPATCH_DELIVERIES
    flash = urgent.model_copy(update={"priority": Priority.FLASH})
    assert spec.topic_for(flash) == topics.DISPATCH_DELIVERIES_FLASH
    assert spec.topics == (topics.DISPATCH_DELIVERIES, topics.DISPATCH_DELIVERIES_FLASH)


def test_lookups() -> None:
    spec = spec_for_model(MemberUpserted)
    assert spec.type == "nazar.member.upserted.v1"
    assert not spec.tombstone
    erased = spec_for_type("nazar.member.erased.v1")
    assert erased.tombstone and erased.topic == topics.ROSTER_MEMBERS
    assert spec_for_type("nazar.directive.issued.v1").model.__name__ == "DirectiveIssued"


def test_unknown_types_and_tombstones_raise_clear_errors() -> None:
    with pytest.raises(
        UnknownEventTypeError, match=r"unknown event type 'nazar\.directive\.x\.v1'"
    ):
        spec_for_type("nazar.directive.x.v1")
    with pytest.raises(UnknownEventTypeError, match=r"nazar\.directive\.x\.v1"):
        parse("nazar.directive.x.v1", {})
    with pytest.raises(UnknownEventTypeError, match="no event type has int"):
        spec_for_model(int)  # type: ignore[type-var]
    with pytest.raises(InvalidEventError, match="tombstone"):
        parse("nazar.member.erased.v1", {})


def test_parse_json_reads_record_bytes() -> None:
    raw = '{"directive_id": "dir-1", "reason": "expired", "at": "2026-11-28T04:30:00+05:30"}'
    closed = parse_json("nazar.directive.closed.v1", raw.encode())
    assert closed.model_dump(mode="json") == {
        "directive_id": "dir-1",
        "reason": "expired",
        "at": "2026-11-27T23:00:00Z",
    }
    with pytest.raises(InvalidEventError, match=r"invalid nazar\.directive\.closed\.v1:"):
        parse_json("nazar.directive.closed.v1", b"not json")


def test_every_event_type_is_one_constant_and_every_constant_is_registered() -> None:
    declared = {
        name: value
        for name, value in vars(event_types).items()
        if name.isupper() and isinstance(value, str)
    }
    assert sorted(declared.values()) == sorted({s.type for s in SPECS})
    assert len(set(declared.values())) == len(declared)  # no type under two names
    for name, value in declared.items():
        # DIRECTIVE_RELAYED <-> nazar.directive.relayed.v1; UNIT_UPSERTED_V2 <-> ....v2
        aggregate, verb, version = value.split(".")[1:4]
        suffix = "" if version == "v1" else f"_{version}"
        assert name == f"{aggregate}_{verb}{suffix}".upper(), name
