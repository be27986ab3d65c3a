"""One test application per test module, on the session's Kafka and a database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import RunningApp, serve_app


@pytest.fixture(scope="module")
async def running_app(
    databases: DatabaseFactory, kafka_bootstrap: str
) -> AsyncIterator[RunningApp]:
    database = await databases.create("http")
    topics = TopicFactory(kafka_bootstrap)
    topic = await topics("notes", partitions=2)
    try:
        async with serve_app(database, kafka_bootstrap, topic) as running:
            yield running
    finally:
        await topics.delete_all()
        await databases.drop(database)
