"""Consumed records: decoded (`to_record`), checked against the contracts (`checked`: a type this
build does not know on the topic is poison), and typed in a handler:

data = parse_record(record)  # a model, or None for a tombstone
"""

from __future__ import annotations

from dataclasses import dataclass

from nazar_contracts.registry import (
    InvalidEventError,
    UnknownEventTypeError,
    check_type,
    parse_json,
    spec_for_type,
)
from pydantic import BaseModel

from nazar_platform.kafka.cloudevents import CloudEvent, decode
from nazar_platform.kafka.dlq import RawRecord


@dataclass(frozen=True, slots=True)
class Record:
    """A decoded record. `event` is None only for a bare tombstone that carries no headers."""

    raw: RawRecord
    key: str | None
    event: CloudEvent | None

    @property
    def topic(self) -> str:
        return self.raw.topic

    @property
    def event_id(self) -> str:
        if self.event is not None:
            return self.event.id
        return f"{self.raw.topic}/{self.raw.partition}/{self.raw.offset}"


class PoisonRecordError(Exception):
    """Raised by a handler for input it can never apply; the record goes to the DLQ."""


def to_record(raw: RawRecord) -> Record:
    key = None if raw.key is None else raw.key.decode("utf-8", errors="strict")
    if raw.value is None and not any(k.startswith("ce_") for k, _ in raw.headers):
        return Record(raw, key, None)
    return Record(raw, key, decode(raw.value, raw.headers))


def checked(record: Record, contract_topic: str | None = None) -> Record:
    """The record, if its type is one this build knows on its topic; otherwise it is poison
    (`PoisonRecordError`), dead-lettered before any handler sees it: a handler that skips types
    it does not act on would otherwise drop a newer version of one it does, without a trace."""
    if record.event is not None:
        try:
            check_type(record.event.type, contract_topic or record.topic)
        except UnknownEventTypeError as exc:
            raise PoisonRecordError(str(exc)) from None
    return record


def parse_record(record: Record) -> BaseModel | None:
    """The typed data of a consumed record; None for a tombstone. Raises `PoisonRecordError`
    (the consumer dead-letters the record) for an unknown type or data that does not fit."""
    event = record.event
    if event is None:  # a bare Kafka tombstone without headers
        return None
    try:
        spec = spec_for_type(event.type)
        if record.raw.value is None:
            if not spec.tombstone:
                raise InvalidEventError(f"{event.type} must carry data but the value is null")
            return None
        return parse_json(event.type, record.raw.value)
    except (UnknownEventTypeError, InvalidEventError) as exc:
        raise PoisonRecordError(str(exc)) from None
