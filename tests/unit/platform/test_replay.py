"""The poison rules: which types a topic accepts (`check_type`, `checked`) and which dead-lettered
records `nazar-dlq replay` puts back, how, and only once (`nazar_platform.kafka.replay`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from nazar_contracts import event_types as e
from nazar_contracts import topics as t
from nazar_contracts.registry import SPECS, UnknownEventTypeError, check_type
from nazar_platform.kafka import dlq, replay
from nazar_platform.kafka.cloudevents import headers_for
from nazar_platform.kafka.records import PoisonRecordError, checked, to_record

FAILED = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _dead(
    offset: int,
    ce_type: str,
    error: str,
    *,
    consumer: str = "directive-receipts",
    failed_at: datetime = FAILED,
) -> dlq.RawRecord:
    original = dlq.RawRecord(
        t.DISPATCH_RECEIPTS,
        3,
        100 + offset,
        b"d-1",
        b"{}",
        tuple(headers_for(f"ev-{offset}", ce_type, "test", "2026-12-06T03:00:00Z")),
    )
    headers = dlq.dead_letter_headers(original, consumer, PoisonRecordError(error))
    headers = [(k, failed_at.isoformat().encode() if k == dlq.FAILED_AT else v) for k, v in headers]
    return dlq.RawRecord(t.DISPATCH_RECEIPTS + ".dlq", 0, offset, b"d-1", b"{}", tuple(headers))


def _marker(of: dlq.RawRecord, offset: int) -> dlq.RawRecord:
    return dlq.RawRecord(
        of.topic, 0, offset, of.key, None, tuple(replay.marker_headers(of, FAILED))
    )


def test_every_registered_type_is_accepted_on_each_of_its_topics() -> None:
    for spec in SPECS:
        for topic in spec.topics:
            check_type(spec.type, topic)


@pytest.mark.parametrize(
    ("ce_type", "topic", "says"),
    [
        ("nazar.dispatch.sent.v7", t.DISPATCH_RECEIPTS, "this build knows nazar.dispatch.sent.v1"),
        (e.DIRECTIVE_ISSUED, t.DISPATCH_RECEIPTS, f"but on {t.DIRECTIVE_EVENTS}"),
        ("nazar.nothing.happened.v1", t.DISPATCH_RECEIPTS, "unknown event type"),
        ("", t.ROSTER_MEMBERS, "unknown event type"),
    ],
)
def test_a_type_the_topic_does_not_carry_is_refused_with_what_is_known(
    ce_type: str, topic: str, says: str
) -> None:
    with pytest.raises(UnknownEventTypeError, match=says):
        check_type(ce_type, topic)


def test_a_topic_no_contract_declares_is_not_checked() -> None:
    check_type("anything.at.all", "test-topic-1234")


def test_checked_makes_an_unknown_version_poison_before_any_handler() -> None:
    headers = headers_for("ev-1", "nazar.unit.upserted.v3", "roster", "2026-12-06T03:00:00Z")
    record = to_record(dlq.RawRecord(t.ROSTER_UNITS, 0, 1, b"U", b"{}", tuple(headers)))
    with pytest.raises(PoisonRecordError, match=re.escape("v1, nazar.unit.upserted.v2")):
        checked(record)
    # the same record on a test topic standing for the units topic
    test_record = to_record(dlq.RawRecord("t-units", 0, 1, b"U", b"{}", tuple(headers)))
    assert checked(test_record) is test_record
    with pytest.raises(PoisonRecordError):
        checked(test_record, t.ROSTER_UNITS)


def test_no_criterion_chooses_nothing() -> None:
    records = [_dead(0, e.DISPATCH_SENT, "invalid")]
    assert replay.Choice().empty
    assert replay.select(records, replay.Choice()) == []
    assert replay.select(records, replay.Choice(everything=True)) == records


def test_criteria_all_hold() -> None:
    old = _dead(
        0, "nazar.dispatch.sent.v2", "unknown version", failed_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    new_version = _dead(1, "nazar.dispatch.sent.v2", "unknown version 'nazar.dispatch.sent.v2'")
    invalid = _dead(2, e.DISPATCH_SENT, "invalid nazar.dispatch.sent.v1: delivery_id: missing")
    other_group = _dead(3, "nazar.dispatch.sent.v2", "Unknown Version", consumer="reach")
    records = [old, new_version, invalid, other_group]

    def pick(**criteria: object) -> list[int]:
        return [r.offset for r in replay.select(records, replay.Choice(**criteria))]  # type: ignore[arg-type]

    assert pick(reason="UNKNOWN VERSION") == [0, 1, 3]
    assert pick(since=datetime(2026, 12, 1, tzinfo=UTC)) == [1, 2, 3]
    assert pick(types=frozenset({e.DISPATCH_SENT})) == [2]
    assert pick(consumer="reach") == [3]
    assert pick(
        reason="unknown version",
        consumer="directive-receipts",
        since=datetime(2026, 12, 1, tzinfo=UTC),
    ) == [1]
    assert pick(offsets=frozenset({(0, 2), (0, 9)})) == [2]


def test_a_replayed_record_is_skipped_unless_again() -> None:
    first, second = _dead(0, e.DISPATCH_SENT, "x"), _dead(1, e.DISPATCH_SENT, "x")
    records = [first, second, _marker(first, 2)]
    assert replay.replayed(records) == {(0, 0)}
    assert replay.select(records, replay.Choice(everything=True)) == [second]
    assert replay.select(records, replay.Choice(everything=True, again=True)) == [first, second]


def test_replay_restores_the_original_headers_retyped_where_asked() -> None:
    record = _dead(5, "nazar.dispatch.sent.v2", "unknown version")
    plain = dict(replay.replay_headers(record, {}))
    assert plain["ce_type"] == b"nazar.dispatch.sent.v2"
    assert not any(k.startswith("dlq.") and k != dlq.REPLAYED_FROM for k in plain)
    assert plain[dlq.REPLAYED_FROM] == b"0:5"
    fixed = dict(replay.replay_headers(record, {"nazar.dispatch.sent.v2": e.DISPATCH_SENT}))
    assert fixed["ce_type"] == e.DISPATCH_SENT.encode()
    assert fixed["ce_id"] == b"ev-5"  # the same event: consumers still deduplicate it


def test_retype_pairs() -> None:
    assert replay.parse_retype(["a.v2=a.v1", "b.v3=b.v1"]) == {"a.v2": "a.v1", "b.v3": "b.v1"}
    for bad in ("a.v2", "=a.v1", "a.v2="):
        with pytest.raises(ValueError, match="OLD=NEW"):
            replay.parse_retype([bad])
