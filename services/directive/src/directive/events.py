"""Events the directive service publishes on `directive.events.v1` (through the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from nazar_platform.cloudevents import format_time
from nazar_platform.outbox import OutboxEvent

SOURCE = "/nazar/directive"
ISSUED = "nazar.directive.issued.v1"
UPDATED = "nazar.directive.updated.v1"
CANCELLED = "nazar.directive.cancelled.v1"
RELAYED = "nazar.directive.relayed.v1"
NOTED = "nazar.directive.noted.v1"
ESCALATED = "nazar.directive.escalated.v1"
ACKNOWLEDGED = "nazar.directive.acknowledged.v1"
CLOSED = "nazar.directive.closed.v1"

# Events that start a fan-out job, and the field of their data that names it.
FANOUT_JOB_FIELD = {
    ISSUED: "message_id",
    UPDATED: "message_id",
    CANCELLED: "message_id",
    NOTED: "message_id",
    ESCALATED: "message_id",
    RELAYED: "relay_id",
}


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def event(
    topic: str, event_type: str, directive_id: UUID, at: datetime, data: dict[str, Any]
) -> OutboxEvent:
    return OutboxEvent(
        topic=topic,
        key=str(directive_id),
        type=event_type,
        source=SOURCE,
        data=_plain({"directive_id": directive_id, **data}),
        time=at,
        subject=str(directive_id),
    )
