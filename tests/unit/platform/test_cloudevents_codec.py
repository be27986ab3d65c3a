"""Our Kafka binary-mode codec against the CloudEvents SDK's own binding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings import kafka as sdk
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent
from nazar_platform.kafka.cloudevents import CloudEvent, DecodeError, decode, encode

HINDI = "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस"


def _event() -> CloudEvent:
    return CloudEvent(
        type="nazar.directive.issued.v1",
        source="/nazar/directive",
        data={"title": HINDI, "n": 3},
        id="4f6c5a8e-1111-4d2b-9a3e-000000000001",
        time=datetime(2026, 11, 28, 10, 30, 0, tzinfo=UTC),
        subject="dir-1",
    )


def test_sdk_decodes_what_we_encode() -> None:
    value, headers = encode(_event())
    parsed = sdk.from_binary(
        sdk.KafkaMessage(headers=dict(headers), key=b"dir-1", value=value or b""), JSONFormat()
    )
    attrs = parsed.get_attributes()
    assert attrs["id"] == "4f6c5a8e-1111-4d2b-9a3e-000000000001"
    assert attrs["type"] == "nazar.directive.issued.v1"
    assert attrs["source"] == "/nazar/directive"
    assert attrs["specversion"] == "1.0"
    assert attrs["subject"] == "dir-1"
    assert attrs["time"] == datetime(2026, 11, 28, 10, 30, 0, tzinfo=UTC)
    assert attrs["datacontenttype"] == "application/json"
    assert parsed.get_data() == {"title": HINDI, "n": 3}


def test_we_decode_what_the_sdk_encodes() -> None:
    ref = SdkEvent(
        attributes={
            "id": "abc",
            "type": "nazar.roster.member_upserted.v1",
            "source": "/nazar/roster",
            "specversion": "1.0",
            "time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "datacontenttype": "application/json",
        },
        data={"name": HINDI},
    )
    message = sdk.to_binary(ref, JSONFormat())
    ours = decode(message.value, list(message.headers.items()))
    assert ours.id == "abc"
    assert ours.type == "nazar.roster.member_upserted.v1"
    assert ours.time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert ours.data == {"name": HINDI}


def test_headers_match_the_sdk_exactly() -> None:
    ours_value, ours_headers = encode(_event())
    e = _event()
    ref = SdkEvent(
        attributes={
            "id": e.id,
            "type": e.type,
            "source": e.source,
            "specversion": "1.0",
            "time": e.time,
            "subject": e.subject,
            "datacontenttype": "application/json",
        },
        data=e.data,
    )
    message = sdk.to_binary(ref, JSONFormat())
    assert dict(ours_headers) == message.headers
    assert (
        decode(ours_value, ours_headers).data
        == decode(message.value, list(message.headers.items())).data
    )


def test_tombstone_has_null_value_and_keeps_identity() -> None:
    tomb = CloudEvent(type="nazar.roster.member_erased.v1", source="/nazar/roster", data=None)
    value, headers = encode(tomb)
    assert value is None
    assert "content-type" not in dict(headers)
    back = decode(value, headers)
    assert back.is_tombstone and back.id == tomb.id


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")], "ce_specversion"),
        (
            b"{not json",
            [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "not JSON",
        ),
        (
            b"null",
            [("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "tombstone",
        ),
        (
            b"{}",
            [("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_type", b"t"), ("ce_source", b"s")],
            "specversion",
        ),
    ],
)
def test_malformed_records_are_refused(
    value: bytes, headers: list[tuple[str, bytes]], reason: str
) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(value, headers)
