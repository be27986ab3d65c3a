"""The outbox-event builder: a typed event of `nazar_contracts` becomes its outbox row.

await outbox.enqueue(conn, [outbox_event(unit, source="/nazar/roster")])
await outbox.enqueue(conn, [tombstone("nazar.member.erased.v1", member_id, source=...)])

Topic, key and type come from the contract's registry entry of the model; the consumer's side is
`nazar_platform.kafka.records.parse_record`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nazar_contracts.registry import (
    EventSpec,
    spec_for_model,
    spec_for_type,
)
from pydantic import BaseModel

from nazar_platform.outbox.publisher import OutboxEvent


def outbox_event(
    data: BaseModel,
    *,
    source: str,
    subject: str | None = None,
    id: str | None = None,
    time: datetime | None = None,
    topic: str | None = None,
) -> OutboxEvent:
    """The outbox row announcing `data`: topic, key and ce_type come from its event spec. The
    subject defaults to the key (the aggregate's id); `id` defaults to a fresh UUID, `time` to
    now; `topic` replaces the spec's topic (a service's `topic_<name>` setting, which tests
    point at private topics)."""
    spec = spec_for_model(type(data))
    key = spec.key(data)
    extra: dict[str, Any] = {} if id is None else {"id": id}
    if time is not None:
        extra["time"] = time
    return OutboxEvent(
        topic=spec.topic_for(data) if topic is None else topic,
        key=key,
        type=spec.type,
        source=source,
        data=data,
        subject=key if subject is None else subject,
        **extra,
    )


def tombstone(spec_or_type: EventSpec[Any] | str, key: str, *, source: str) -> OutboxEvent:
    """The outbox row deleting `key` from a compacted topic (a null value with ce_* headers)."""
    spec = spec_for_type(spec_or_type) if isinstance(spec_or_type, str) else spec_or_type
    if not spec.tombstone:
        raise ValueError(f"{spec.type} is not a tombstone event type")
    return OutboxEvent(
        topic=spec.topic, key=key, type=spec.type, source=source, data=None, subject=key
    )
