"""The transactional outbox: a state change and the event announcing it commit together.

`enqueue` (in the use case's transaction) and the builder `outbox_event` / `tombstone`, or
`enqueue_select` for events built set-wise inside PostgreSQL; the `OutboxPublisher` publishes
committed rows to Kafka in order.
"""

from nazar_platform.outbox.events import outbox_event, tombstone
from nazar_platform.outbox.publisher import (
    OutboxEvent,
    OutboxPublisher,
    enqueue,
    enqueue_select,
    enqueue_statement,
)

__all__ = [
    "OutboxEvent",
    "OutboxPublisher",
    "enqueue",
    "enqueue_select",
    "enqueue_statement",
    "outbox_event",
    "tombstone",
]
