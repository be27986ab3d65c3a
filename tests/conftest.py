"""TEMPORARY harness (replaced by the deploy/stack harness): uses servers given by environment."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return os.environ.get("NAZAR_KAFKA_BOOTSTRAP", "127.0.0.1:19092")


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    return os.environ.get("NAZAR_PG_DSN", "postgresql://nazar:nazar@127.0.0.1:19432/postgres")


@pytest.fixture
async def fresh_database(pg_dsn: str) -> AsyncIterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield pg_dsn.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(pg_dsn)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


NewTopicFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def new_topic(kafka_bootstrap: str) -> AsyncIterator[NewTopicFactory]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    made: list[str] = []

    async def make(
        prefix: str = "t", partitions: int = 1, config: dict[str, str] | None = None
    ) -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:10]}"
        await admin.create_topics(
            [
                NewTopic(name, partitions, 1, topic_configs=config or {}),
                NewTopic(f"{name}.dlq", 1, 1, topic_configs={"cleanup.policy": "delete"}),
            ]
        )
        made.extend([name, f"{name}.dlq"])
        return name

    yield make
    await admin.delete_topics(made)
    await admin.close()
