"""Dead-letter records: the original record, untouched, plus why and where it failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from nazar_platform.kafka.clients import dlq_topic

PREFIX = "dlq."
ERROR = "dlq.error"
ERROR_TYPE = "dlq.error.type"
SOURCE_TOPIC = "dlq.source.topic"
SOURCE_PARTITION = "dlq.source.partition"
SOURCE_OFFSET = "dlq.source.offset"
CONSUMER = "dlq.consumer"
FAILED_AT = "dlq.failed_at"
REPLAYED_FROM = "dlq.replayed_from"


@dataclass(frozen=True, slots=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


def dead_letter_headers(
    record: RawRecord, consumer: str, error: BaseException
) -> list[tuple[str, bytes]]:
    message = f"{type(error).__name__}: {error}"[:4000]
    return [
        *((k, v) for k, v in record.headers if not k.startswith(PREFIX)),
        (ERROR, message.encode()),
        (ERROR_TYPE, type(error).__name__.encode()),
        (SOURCE_TOPIC, record.topic.encode()),
        (SOURCE_PARTITION, str(record.partition).encode()),
        (SOURCE_OFFSET, str(record.offset).encode()),
        (CONSUMER, consumer.encode()),
        (FAILED_AT, datetime.now(UTC).isoformat().encode()),
    ]


async def send_to_dlq(
    producer: AIOKafkaProducer, record: RawRecord, consumer: str, error: BaseException
) -> Any:
    """Durably write the record to `<topic>.dlq` (awaits the broker's ack)."""
    return await producer.send_and_wait(
        dlq_topic(record.topic),
        key=record.key,
        value=record.value,
        headers=dead_letter_headers(record, consumer, error),
    )


def original_headers(headers: tuple[tuple[str, bytes], ...]) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in headers if not k.startswith(PREFIX)]


def header(headers: tuple[tuple[str, bytes], ...], name: str) -> str | None:
    for k, v in headers:
        if k == name:
            return v.decode(errors="replace")
    return None
