"""One publisher stack per test module (topics, database, fakes, the service process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.publisher.support import Stack, make_stack


@pytest.fixture(scope="module")
async def stack(
    kafka_bootstrap: str, databases: DatabaseFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    settings: dict[str, str] = getattr(request.module, "PUBLISHER_SETTINGS", {})
    fake_config = getattr(request.module, "FAKE_CONFIG", {"read_delay": 0.6})
    topics = TopicFactory(kafka_bootstrap)
    s = await make_stack(kafka_bootstrap, databases, topics, **settings)
    s.start_fakes(fake_config)
    try:
        await s.start_publisher()
        yield s
    finally:
        s.stop()
        if s.http is not None:
            await s.http.close()
        await databases.drop(s.dsn)
        await topics.delete_all()
