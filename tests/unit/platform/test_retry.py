"""What the long-running loops treat as a passing failure: retried, never the end of a loop."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError
from nazar_platform.runtime.retry import TRANSIENT, sleep_or_stop


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        # seen when PostgreSQL was stopped under a consumer's prune: it killed the consumer
        asyncpg.InternalClientError("got result for unknown protocol state 3"),
        asyncpg.SerializationError("could not serialize access"),
        KafkaConnectionError(),
    ],
)
def test_database_and_kafka_outages_are_retried(error: BaseException) -> None:
    assert isinstance(error, TRANSIENT)


@pytest.mark.parametrize(
    "error",
    [ValueError("bad data"), asyncpg.UniqueViolationError("duplicate key"), KeyError("x")],
)
def test_bugs_and_bad_data_are_not(error: BaseException) -> None:
    assert not isinstance(error, TRANSIENT)


def test_sleep_or_stop_wakes_at_once_when_stopping() -> None:
    async def run() -> bool:
        stop = asyncio.Event()
        stop.set()
        return await asyncio.wait_for(sleep_or_stop(stop, 60), 1)

    assert asyncio.run(run()) is True
