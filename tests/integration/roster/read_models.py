"""The roster's three read models, each with its real consumer and outbox relay on a database
of its own, pointed at a test's roster topics: the directive service's roster consumer,
the social-publisher's contacts consumer and story-intake's members consumer. Each deletes an
erased member and confirms it on the test's erasure.confirmations topic."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from directive.settings import DirectiveSettings
from directive.workers.consumers import consumers as directive_consumers
from nazar_platform import db
from nazar_platform.db import migrations
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.outbox import OutboxPublisher
from pydantic import SecretStr
from social_publisher.settings import PublisherSettings
from social_publisher.workers.deliveries import contacts_consumer
from story_intake.settings import StoryIntakeSettings
from story_intake.workers.roster import make_consumers as story_consumers

from tests.conftest import DatabaseFactory
from tests.integration.roster.support import RosterTopics


async def _migrated(databases: DatabaseFactory, component: str, package: str) -> str:
    dsn = await databases.create(package)
    conn = await db.connect(dsn)
    try:
        await migrations.apply(
            conn, [*migrations.platform_migrations(), *migrations.load(component, package)]
        )
    finally:
        await conn.close()
    return dsn


@contextlib.asynccontextmanager
async def running_read_models(
    databases: DatabaseFactory, bootstrap: str, topics: RosterTopics, tmp: Path
) -> AsyncIterator[dict[str, str]]:
    """Runs the three until the block ends; yields their databases by read model."""
    tag = uuid.uuid4().hex[:8]
    dsns = {
        "directive": await _migrated(databases, "directive", "directive"),
        "social-publisher": await _migrated(databases, "social-publisher", "social_publisher"),
        "story-intake": await _migrated(databases, "story-intake", "story_intake"),
    }
    pools = {name: await db.create_pool(dsn, min_size=1, max_size=4) for name, dsn in dsns.items()}
    directive = DirectiveSettings(
        kafka_bootstrap=bootstrap, database_url=SecretStr(dsns["directive"]),
        topic_units=topics.units, topic_members=topics.members, topic_groups=topics.groups,
        topic_erasure_confirmations=topics.confirmations,
        consumer_group_prefix=f"test-erasure-directive-{tag}", faust_datadir=tmp / "faust",
        attachment_dir=tmp / "attachments", public_base_url="https://inbox.nazar.example/d",
        inbox_link_key=SecretStr("integration-test-inbox-link-key-0123456789"),
        consumer_session_timeout_ms=6000, log_json=False,
    )  # fmt: skip
    publisher = PublisherSettings(
        environment="test", public_media_key="publisher-test-public-media-key-00001",
        media_dir=tmp / "media", public_base_url="http://placeholder",
        kafka_bootstrap=bootstrap, topic_contacts=topics.contacts,
        topic_erasure_confirmations=topics.confirmations,
        consumer_group=f"test-erasure-publisher-{tag}",
    )  # fmt: skip
    story = StoryIntakeSettings(
        environment="test", database_url=dsns["story-intake"], kafka_bootstrap=bootstrap,
        topic_units=topics.units, topic_members=topics.members,
        topic_erasure_confirmations=topics.confirmations,
        consumer_group_prefix=f"test-erasure-story-{tag}",
    )  # fmt: skip
    consumers: list[IdempotentConsumer] = [
        directive_consumers(directive, pools["directive"])[0],
        contacts_consumer(publisher, pools["social-publisher"]),
        *story_consumers(story, pools["story-intake"])[:2],
    ]
    relays = [OutboxPublisher(dsn, lambda: make_producer(bootstrap)) for dsn in dsns.values()]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    tasks += [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        yield dsns
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        for pool in pools.values():
            await pool.close()
