"""The PHQ social media cell's notice that an official account stopped (issue 14), on real
PostgreSQL and Kafka.

The publisher's `PublishAccountStopped` on publish.results.v1 becomes one message to every
reachable member holding a cell role (content writer, graphics designer, police PRO, SP PHQ
Crime) at the state unit, in each one's language, saying which account, why and what to do —
once per stop, even when the event is delivered twice (the same record again, and a republished
copy with a new event id). Other results on the topic are skipped.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from directive.app import create
from directive.domain.accounts import stop_message_id
from nazar_contracts.dispatch import Purpose
from nazar_contracts.publish import PublishAccountStopped, PublishPosted
from nazar_contracts.registry import spec_for_model
from nazar_contracts.stories import PublicChannel
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.directive import roster as roster_fixture
from tests.integration.directive.support import make_topics, publish_roster, requested, settings_for
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for

AT = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
REASON = (
    "X refused to renew the account's access (invalid_grant): the authorization was revoked; "
    "connect the account again in the publisher console."
)


@dataclass
class World:
    pool: object
    bootstrap: str
    results: str
    deliveries: tuple[str, str]
    consumer: str
    cell: dict[str, Language]  # member → language


@pytest.fixture(scope="module")
async def world(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[World]:
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    results = await factory("publish-results", partitions=3)
    dsn = await databases.create("directive_accounts")
    tmp = Path(tempfile.mkdtemp(prefix="directive-accounts-"))
    settings = settings_for(
        dsn,
        kafka_bootstrap,
        topics,
        tmp,
        topic_publish_results=results,
        circulation_interval="PT0.2S",
        database_pool_min=1,
        database_pool_max=8,
    )
    roster = roster_fixture.build()
    # The cell at the state unit (the fixture's PHQ already has the police PRO): an SP PHQ Crime,
    # a content writer who reads English, a graphics designer, and one who left (inactive).
    cell = {roster.one("police_pro", "PHQ"): Language.HI}
    for role, language in (
        (Role.SP_PHQ_CRIME, Language.HI),
        (Role.CONTENT_WRITER, Language.EN),
        (Role.GRAPHICS_DESIGNER, Language.HI),
    ):
        cell[roster_fixture._member(roster, role, "PHQ", language=language)] = language
    roster_fixture._member(roster, Role.CONTENT_WRITER, "PHQ", active=False)
    app = create(
        settings,
        verifier=TokenVerifier(AuthSettings(dev_private_key_path=tmp / "key.pem")),
        scheduler=False,
    )
    try:
        async with serve(app):
            pool = app.state.runtime.pool
            await publish_roster(kafka_bootstrap, topics, roster)

            async def consumed() -> bool:
                n = await pool.fetchval("SELECT count(*) FROM members")
                return bool(n == len(roster.members))

            await wait_for(consumed, within=60)
            yield World(
                pool,
                kafka_bootstrap,
                results,
                (topics.deliveries, topics.flash),
                f"{settings.consumer_group_prefix}-accounts",
                cell,
            )
    finally:
        await factory.delete_all()
        await databases.drop(dsn)


async def publish(w: World, data: BaseModel, event_id: str | None = None) -> str:
    """One result as the publisher's outbox writes it; its CloudEvents id."""
    event_id = event_id or str(uuid.uuid4())
    spec = spec_for_model(type(data))
    producer = AIOKafkaProducer(bootstrap_servers=w.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            w.results,
            key=spec.key(data).encode(),
            value=data.model_dump_json().encode(),
            headers=headers_for(event_id, spec.type, "/nazar/social-publisher", format_time(AT)),
        )
    finally:
        await producer.stop()
    return event_id


async def processed(w: World, event_id: str) -> bool:
    found = await w.pool.fetchval(  # type: ignore[attr-defined]
        "SELECT true FROM processed_events WHERE consumer = $1 AND event_id = $2",
        w.consumer,
        event_id,
    )
    return bool(found)


async def test_a_stopped_account_is_told_to_each_cell_member_once_in_their_language(
    world: World,
) -> None:
    stop = PublishAccountStopped(
        account_id="x-state",
        channel=PublicChannel.X,
        account_name="Rajasthan Police (@PoliceRajasthan)",
        reason=REASON,
        provider_code="invalid_grant",
        at=AT,
    )
    posted = PublishPosted(
        post_id="post-1",
        story_id="sty-1",
        channel=PublicChannel.X,
        provider_post_id="1865000000000000001",
        public_url="https://x.com/PoliceRajasthan/status/1865000000000000001",
        at=AT,
        account_id="x-state",
    )
    await publish(world, posted)  # not the cell's business here: skipped
    first = await publish(world, stop)
    await publish(world, stop, first)  # the same record again
    copy = await publish(world, stop)  # a republished copy: same stop, new event id
    await wait_for(lambda: processed(world, copy), within=60)
    message_id = stop_message_id("x-state", AT)

    async def fanned_out() -> bool:
        return bool(
            await world.pool.fetchval(  # type: ignore[attr-defined]
                "SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", message_id
            )
        )

    await wait_for(fanned_out, within=60)
    await asyncio.sleep(1.0)  # a second notice, had one been made, would be out by now

    sent = [s.data for s in await requested(world.bootstrap, *world.deliveries)]
    notices = [s for s in sent if s.purpose is Purpose.ACCOUNT_NOTICE]
    assert Counter(s.member_id for s in notices) == Counter(
        list(world.cell)
    )  # each once, no one else
    assert {s.message_id for s in notices} == {str(message_id)}
    for s in notices:
        assert s.origin is not None and (str(s.origin.kind), s.origin.id) == ("account", "x-state")
        assert s.directive_id is None and s.ack_requested is False and s.reply_code is None
        assert s.language is world.cell[s.member_id]
        assert "@PoliceRajasthan" in s.title and REASON in s.body and "invalid_grant" in s.body
        if s.language is Language.EN:
            assert "What to do" in s.body and s.title.startswith("Official account stopped: X")
        else:
            assert "क्या करें" in s.body and s.title.startswith("आधिकारिक खाता रुका: एक्स")
    messages = await world.pool.fetchval(  # type: ignore[attr-defined]
        "SELECT count(*) FROM messages WHERE origin_kind = 'account'"
    )
    assert messages == 1
