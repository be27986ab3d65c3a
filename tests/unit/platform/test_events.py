"""outbox_event / tombstone / parse_record: typed events through the real record encoding."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from nazar_contracts import topics
from nazar_contracts.directives import Priority
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.registry import parse, spec_for_type
from nazar_platform.kafka.cloudevents import format_time, headers_for
from nazar_platform.kafka.dlq import RawRecord
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record, to_record
from nazar_platform.outbox.events import outbox_event, tombstone
from nazar_platform.outbox.publisher import OutboxEvent
from pydantic import BaseModel

from tests.unit.contracts.support import DATA_TYPES, golden


def _record(event: OutboxEvent) -> Record:
    """What a consumer sees after the relay published `event` (same value and header code)."""
    value: bytes | None
    if event.data is None:
        value = None
    else:
        assert isinstance(event.data, BaseModel)
        value = event.data.model_dump_json(by_alias=True).encode()
    headers = headers_for(
        event.id,
        event.type,
        event.source,
        format_time(event.time),
        event.subject,
        tombstone=value is None,
    )
    key = None if event.key is None else event.key.encode()
    return to_record(RawRecord(event.topic, 0, 7, key, value, tuple(headers)))


@pytest.mark.parametrize("event_type", DATA_TYPES)
def test_every_event_type_round_trips_through_outbox_encoding(event_type: str) -> None:
    data = parse(event_type, golden(event_type))
    event = outbox_event(data, source="/nazar/test")
    spec = spec_for_type(event_type)
    assert (event.type, event.topic, event.key) == (event_type, spec.topic, spec.key(data))
    assert event.subject == event.key
    assert parse_record(_record(event)) == data


def test_topic_key_and_ids_come_from_the_spec() -> None:
    data = parse("nazar.dispatch.requested.v1", golden("nazar.dispatch.requested.v1"))
    assert isinstance(data, DispatchRequested)
    event = outbox_event(data, source="/nazar/directive", subject="dir-x", id="evt-1")
    assert event.topic == topics.DISPATCH_DELIVERIES
    assert event.key == data.member_id
    assert (event.id, event.subject, event.source) == ("evt-1", "dir-x", "/nazar/directive")
    flash = outbox_event(data.model_copy(update={"priority": Priority.FLASH}), source="/x")
    assert flash.topic == topics.DISPATCH_DELIVERIES_FLASH
    assert flash.key == data.member_id
    assert outbox_event(data, source="/x").id != outbox_event(data, source="/x").id


def test_tombstones() -> None:
    erased = tombstone("nazar.member.erased.v1", "mbr-5e21c0d4", source="/nazar/roster")
    assert (erased.topic, erased.key, erased.type, erased.data) == (
        topics.ROSTER_MEMBERS,
        "mbr-5e21c0d4",
        "nazar.member.erased.v1",
        None,
    )
    by_spec = tombstone(spec_for_type("nazar.contact.erased.v1"), "mbr-1", source="/nazar/roster")
    assert by_spec.topic == topics.ROSTER_CONTACTS
    assert parse_record(_record(erased)) is None
    with pytest.raises(ValueError, match="not a tombstone"):
        tombstone("nazar.member.upserted.v1", "mbr-1", source="/nazar/roster")
    bare = to_record(RawRecord(topics.ROSTER_MEMBERS, 0, 1, b"mbr-1", None, ()))
    assert parse_record(bare) is None


def _raw(event_type: str, value: bytes | None) -> Record:
    headers = headers_for("evt-9", event_type, "/nazar/test", format_time(datetime.now(UTC)))
    return to_record(RawRecord("roster.contacts.v1", 0, 3, b"mbr-1", value, tuple(headers)))


def test_unknown_or_invalid_records_are_poison() -> None:
    with pytest.raises(PoisonRecordError, match=r"unknown event type 'nazar\.contact\.moved\.v1'"):
        parse_record(_raw("nazar.contact.moved.v1", b"{}"))
    with pytest.raises(PoisonRecordError, match="must carry data"):
        parse_record(_raw("nazar.contact.upserted.v1", None))
    with pytest.raises(PoisonRecordError, match="tombstone"):
        parse_record(_raw("nazar.contact.erased.v1", b"{}"))


def test_poison_messages_never_carry_phone_numbers() -> None:
    # The message ends up in logs and DLQ headers; only roster.contacts.v1 may hold numbers.
    bad = {**golden("nazar.contact.upserted.v1"), "sms": "+91 70000 00417", "version": 0}
    with pytest.raises(PoisonRecordError) as caught:
        parse_record(_raw("nazar.contact.upserted.v1", json.dumps(bad).encode()))
    message = str(caught.value)
    assert "sms" in message
    assert "version" in message
    assert "70000" not in message
    assert "7000000417" not in message
