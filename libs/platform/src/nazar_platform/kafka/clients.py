"""Kafka clients configured the way Nazar needs them."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def make_producer(
    bootstrap: str, *, client_id: str = "nazar", **overrides: Any
) -> AIOKafkaProducer:
    """An idempotent producer: `acks=all`, no reordering, no duplicates from its own retries."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 30_000,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def make_consumer(
    bootstrap: str, group_id: str, *topics: str, **overrides: Any
) -> AIOKafkaConsumer:
    """A consumer that never commits on its own: offsets move only after effects are durable."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group_id,
        "client_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "session_timeout_ms": 10_000,
        "heartbeat_interval_ms": 2_000,
        "max_poll_records": 1000,
        "fetch_max_bytes": 16 * 1024 * 1024,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"
