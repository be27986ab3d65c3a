"""Batch mode's flow control: fetch what the queue has room for, pause below `min_room`."""

from __future__ import annotations

from typing import Any

from aiokafka import TopicPartition
from nazar_platform.kafka.feed import Feed, flow

PARTS = [TopicPartition("t", 0), TopicPartition("t", 1)]


class FakeConsumer:
    def __init__(self) -> None:
        self.paused: set[TopicPartition] = set()

    def assignment(self) -> set[TopicPartition]:
        return set(PARTS)

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused.difference_update(partitions)


def _feed(room: int, min_room: int = 50) -> Feed:
    def put(_: Any) -> None:
        return None

    return Feed(room=lambda: room, put=put, min_room=min_room)


def test_room_is_fetched_up_to_the_batch_size() -> None:
    consumer = FakeConsumer()
    assert flow(consumer, _feed(300), in_hand=0, batch_max=500) == 300
    assert flow(consumer, _feed(3000), in_hand=0, batch_max=500) == 500
    assert not consumer.paused


def test_records_in_hand_take_room() -> None:
    consumer = FakeConsumer()
    assert flow(consumer, _feed(300), in_hand=200, batch_max=500) == 100
    assert not consumer.paused
    flow(consumer, _feed(300), in_hand=260, batch_max=500)
    assert consumer.paused == set(PARTS)


def test_no_room_pauses_and_room_resumes() -> None:
    consumer = FakeConsumer()
    flow(consumer, _feed(0), in_hand=0, batch_max=500)
    assert consumer.paused == set(PARTS)
    flow(consumer, _feed(49), in_hand=0, batch_max=500)
    assert consumer.paused == set(PARTS)
    flow(consumer, _feed(50), in_hand=0, batch_max=500)
    assert not consumer.paused
