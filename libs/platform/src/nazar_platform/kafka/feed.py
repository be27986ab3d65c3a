"""Batch mode of the idempotent consumer: it feeds a bounded queue in the same process.

A consumer given a `Feed` fetches only what the queue has room for, pausing its partitions (and
still polling, so the group keeps them) while there is none: a backlog stays in Kafka, never in
memory. Each batch is applied in one transaction by the handler, whose result is handed to the
queue (`put`) once that transaction committed and before the offsets are committed; a crash in
between replays the batch, which the handler's idempotent effect turns into nothing new. The
consumer measures its lag from the broker's end offsets (a paused partition is not fetched, so
its high watermark would go stale) and says whether records are `waiting` (in hand or unread).

    feed = Feed(room=lambda: queue_max - len(queue), put=queue.extend, min_room=250)
    consumer = IdempotentConsumer(..., handler=admit, dedupe=False, merge_partitions=True,
                                  feed=feed)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Feed:
    """Where a consumer in batch mode hands its batches (see the module docstring)."""

    # How many records the queue takes now; 0 (or fewer than `min_room`) pauses fetching.
    room: Callable[[], int]
    # The handler's result for a batch, after its transaction committed.
    put: Callable[[Any], None]
    # Fetch only when at least this many records fit: no trickle of tiny batches.
    min_room: int = 1
    # Told the lag (records not yet fetched) about once a second.
    on_lag: Callable[[int], None] | None = None
    lag_interval: float = 1.0
    poll_timeout_ms: int = 100


def flow(consumer: AIOKafkaConsumer, feed: Feed, in_hand: int, batch_max: int) -> int:
    """Pause or resume the assigned partitions by the queue's room; how many records to fetch."""
    assigned = list(consumer.assignment())
    room = feed.room() - in_hand
    if room < feed.min_room:
        consumer.pause(*assigned)
        return 1
    consumer.resume(*assigned)
    return max(1, min(batch_max, room))


async def measure_lag(consumer: AIOKafkaConsumer, assigned: Sequence[TopicPartition]) -> int | None:
    """Records not yet fetched, per the broker's end offsets; None when not measurable now."""
    if not assigned:
        return 0
    try:
        ends = await consumer.end_offsets(list(assigned))
        lag = 0
        for tp in assigned:
            lag += max(0, ends[tp] - await consumer.position(tp))
    except (KafkaError, KeyError, AssertionError, OSError) as exc:
        log.debug("lag not measured", error=repr(exc))
        return None
    return lag
