"""Events on `directive.events.v1`: the contract's typed models, through the outbox.

The topic is a parameter (tests run against private topics); type, key and subject come from the
contract's registry entry of the model.
"""

from __future__ import annotations

from datetime import datetime

from nazar_contracts.registry import spec_for_model
from nazar_platform.outbox.publisher import OutboxEvent
from pydantic import BaseModel

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


def event(topic: str, data: BaseModel, at: datetime) -> OutboxEvent:
    spec = spec_for_model(type(data))
    key = spec.key(data)
    return OutboxEvent(
        topic=topic, key=key, type=spec.type, source=SOURCE, data=data, time=at, subject=key
    )
