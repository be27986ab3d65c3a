"""What the fan-out puts on Kafka: every record fits the contract, ids are the contract's, keys
are partitioned exactly as Kafka's default partitioner does, inbox links verify."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from directive.adapters.dispatch import Encoder
from directive.domain.ids import delivery_id, reply_code
from directive.domain.model import MessageInfo
from directive.domain.partitioning import key_hash, murmur2, partition_of
from nazar_contracts import ids
from nazar_contracts.dispatch import DispatchRequested, Purpose
from nazar_contracts.registry import parse_json
from nazar_platform.auth import links
from nazar_platform.kafka.cloudevents import decode

KEY = b"unit-test-inbox-link-key-0123456789"
NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
DIRECTIVE = uuid.uuid4()


def message(kind: str = "original", **text: str | None) -> MessageInfo:
    defaults: dict[str, str | None] = {
        "title_hi": "नज़र रखें",
        "body_hi": "सभी थाने सतर्क रहें।",
        "title_en": "Watch",
        "body_en": "All stations: be alert.",
    }
    defaults.update(text)
    mid = uuid.uuid4()
    return MessageInfo(
        id=mid,
        directive_id=DIRECTIVE,
        kind=kind,
        priority="flash",
        ack_requested=True,
        reply_code=reply_code(mid),
        expires_at=NOW + timedelta(days=7),
        **defaults,
    )


def encoder(*messages: MessageInfo, note: str | None = None) -> Encoder:
    return Encoder(
        list(messages),
        topic="normal",
        flash_topic="flash",
        note=note,
        link_key=KEY,
        base_url="https://inbox.nazar.example/directive",
        link_ttl=timedelta(days=14),
    )


def test_a_record_is_a_valid_cloudevent_with_contract_data() -> None:
    m = message()
    enc = encoder(m, note="आज ही बैठक करें")
    did = delivery_id(m.id, "mbr-0001")
    r = enc.record(did, m.id, "mbr-0001", "hi", NOW, key_hash(b"mbr-0001"))
    event = decode(r.value, r.headers)
    assert event.id == str(did) and event.type == "nazar.dispatch.requested.v1"
    data = parse_json(event.type, r.value)
    assert isinstance(data, DispatchRequested)
    assert data.delivery_id == ids.delivery_id(str(m.id), "mbr-0001")
    assert (data.language, data.title, data.purpose) == ("hi", "नज़र रखें", Purpose.DIRECTIVE)
    assert data.body.endswith("पुलिस अधीक्षक की टिप्पणी: आज ही बैठक करें")
    assert r.topic == "flash" and r.key == b"mbr-0001"
    token = (data.inbox_url or "").rsplit("/", 1)[1]
    assert links.verify(token, [KEY], NOW, timedelta(days=14)) == (
        did.bytes,
        NOW + timedelta(days=14),
    )


def test_each_member_gets_their_language_or_the_one_there_is() -> None:
    both, hindi_only = message(), message(title_en=None, body_en=None)
    enc = encoder(both, hindi_only)
    en = parse_json(
        "nazar.dispatch.requested.v1",
        enc.record(delivery_id(both.id, "m1"), both.id, "m1", "en", NOW).value,
    )
    fallback = parse_json(
        "nazar.dispatch.requested.v1",
        enc.record(
            uuid.uuid5(ids.DELIVERY_NAMESPACE, f"{hindi_only.id}:m1"),
            hindi_only.id,
            "m1",
            "en",
            NOW,
        ).value,
    )
    assert isinstance(en, DispatchRequested) and en.language == "en" and en.title == "Watch"
    assert isinstance(fallback, DispatchRequested) and fallback.language == "hi"


def test_notes_only_travel_with_the_original_and_long_titles_are_cut() -> None:
    update = message("update", title_hi="अ" * 250)
    enc = encoder(update, note="टिप्पणी")
    data = parse_json(
        "nazar.dispatch.requested.v1",
        enc.record(delivery_id(update.id, "m2"), update.id, "m2", "hi", NOW).value,
    )
    assert isinstance(data, DispatchRequested)
    assert "टिप्पणी" not in data.body and len(data.title) == 200
    assert data.purpose is Purpose.UPDATE


def test_delivery_ids_are_the_contracts() -> None:
    for _ in range(200):
        m, member = uuid.uuid4(), f"mbr-{random.randrange(10**6)}"
        assert str(delivery_id(m, member)) == ids.delivery_id(str(m), member)


def test_murmur2_and_partitions_are_kafkas() -> None:
    rng = random.Random(3)
    keys = (
        [str(uuid.uuid4()).encode() for _ in range(2000)]
        + [bytes(rng.randrange(256) for _ in range(n)) for n in range(40) for _ in range(20)]
        + ["सुरेश".encode()]
    )
    for k in keys:
        assert murmur2(k) == aiokafka_murmur2(k)
        assert partition_of(k, 12) == (aiokafka_murmur2(k) & 0x7FFFFFFF) % 12
