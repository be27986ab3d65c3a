"""One running directive worker (fan-out, consumers; the scheduler is driven by tests) per test
module, over private topics and a fresh database, with the test roster already consumed."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from directive.app import parts
from directive.settings import DirectiveSettings
from directive.workers.fanout import FanOut
from nazar_platform.runtime.context import Runtime
from nazar_platform.service import started

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.directive import roster as roster_fixture
from tests.integration.directive.support import Topics, make_topics, publish_roster, settings_for
from tests.integration.platform.support import wait_for


@dataclass
class Env:
    settings: DirectiveSettings
    worker: Runtime
    roster: roster_fixture.Roster
    topics: Topics
    bootstrap: str
    dsn: str
    tmp: Path


@pytest.fixture(scope="module")
async def env(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[Env]:
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    dsn = await databases.create("directive")
    tmp = Path(tempfile.mkdtemp(prefix="directive-test-"))
    settings = settings_for(dsn, kafka_bootstrap, topics, tmp)
    roster = roster_fixture.build()
    ready = asyncio.Event()

    def on_ready(_engine: FanOut) -> None:
        ready.set()

    try:
        async with started(parts(settings, schedule=False, on_fanout_ready=on_ready)) as worker:
            await publish_roster(kafka_bootstrap, topics, roster)
            pool = worker.pool

            async def consumed() -> bool:
                n = await pool.fetchval("SELECT count(*) FROM members")
                g = await pool.fetchval("SELECT count(*) FROM groups")
                return bool(n == len(roster.members) and g == len(roster.groups))

            await wait_for(consumed, within=60)
            await asyncio.wait_for(ready.wait(), 60)
            yield Env(settings, worker, roster, topics, kafka_bootstrap, dsn, tmp)
    finally:
        await factory.delete_all()
        await databases.drop(dsn)
        await databases.drop(dsn)
