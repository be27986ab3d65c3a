"""Typed events in: a consumed record becomes the model of its `nazar_contracts` event type.

data = parse_record(record)  # in a consumer's handler: a model, or None for a tombstone
"""

from __future__ import annotations

from nazar_contracts.registry import (
    InvalidEventError,
    UnknownEventTypeError,
    parse_json,
    spec_for_type,
)
from pydantic import BaseModel

from nazar_platform.kafka.consumer import PoisonRecordError, Record


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
