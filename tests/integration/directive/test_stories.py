"""Stories through the directive service on real PostgreSQL and Kafka (issue 13, item 6).

story-intake's `StoryCirculationRequested` on story.events.v1 becomes one message, without
acknowledgement or reply code, to every reachable member of the PHQ crime admin group and of the
circle groups the approver chose (the author's district, range, or the state) — nobody else —
through the fan-out, as `dispatch.requested` records of origin ('story', id); a redelivered
request sends nothing twice; state changes with an author become a short notice in the author's
language; the reach endpoint counts receipts as for a directive, for PHQ and the district's SP.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from directive.app import create
from directive.handlers.stories import circulation_message_id, notice_message_id
from directive.store import reach
from nazar_contracts.base import BilingualText
from nazar_contracts.dispatch import Channel, DispatchDelivered, DispatchRead, DispatchSent, Purpose
from nazar_contracts.groups import GroupKind, GroupMember, GroupUpserted
from nazar_contracts.registry import spec_for_model
from nazar_contracts.stories import (
    CirculationScope,
    ReviewLevel,
    StoryCirculationRequested,
    StoryForwarded,
    StoryKind,
    StorySentBack,
)
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.auth.tokens import AuthSettings, TokenVerifier
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.directive import roster as roster_fixture
from tests.integration.directive.api_support import Api
from tests.integration.directive.support import (
    Sent,
    make_topics,
    produce,
    publish_roster,
    requested,
    settings_for,
)
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for

AT = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
TITLE = BilingualText(hi="बीकानेर पुलिस ने गुमशुदा बच्चे को परिवार से मिलाया", en="Missing child reunited")
BODY = BilingualText(
    hi="थाना कोतवाली की टीम ने छह घंटे में गुमशुदा बच्चे को ढूंढकर परिवार को सौंपा।",
    en="The Kotwali team found the missing child within six hours and handed him to his family.",
)


@dataclass
class World(Api):
    stories: str = ""
    admins: frozenset[str] = frozenset()


def with_phq_admin_group(r: roster_fixture.Roster) -> frozenset[str]:
    """The PHQ crime admin group (SP PHQ Crime, a content writer who reads English, and a
    graphics designer), as the roster publishes it."""
    members = [
        (roster_fixture._member(r, Role.SP_PHQ_CRIME, "PHQ"), Role.SP_PHQ_CRIME),
        (
            roster_fixture._member(r, Role.CONTENT_WRITER, "PHQ", language=Language.EN),
            Role.CONTENT_WRITER,
        ),
        (roster_fixture._member(r, Role.GRAPHICS_DESIGNER, "PHQ"), Role.GRAPHICS_DESIGNER),
    ]
    r.groups.append(
        GroupUpserted(
            group_id="phq-crime-admin",
            kind=GroupKind.PHQ_CRIME_ADMIN,
            unit_id="PHQ",
            name=BilingualText(hi="पुलिस मुख्यालय अपराध एडमिन समूह", en="PHQ crime admin group"),
            admins=[members[0][0]],
            members=[GroupMember(member_id=m, role=role, unit_id="PHQ") for m, role in members],
            version=1,
            updated_at=roster_fixture.NOW,
        )
    )
    return frozenset(m for m, _ in members)


@pytest.fixture(scope="module")
async def world(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[World]:
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    stories = await factory("story-events", partitions=3)
    dsn = await databases.create("directive_stories")
    tmp = Path(tempfile.mkdtemp(prefix="directive-stories-"))
    settings = settings_for(
        dsn,
        kafka_bootstrap,
        topics,
        tmp,
        topic_stories=stories,
        circulation_interval="PT0.2S",
        database_pool_min=1,
        database_pool_max=8,
    )
    key_path = tmp / "signing-key.pem"
    auth = AuthSettings(dev_private_key_path=key_path)
    roster = roster_fixture.build()
    admins = with_phq_admin_group(roster)
    app = create(settings, verifier=TokenVerifier(auth), scheduler=False)
    try:
        async with serve(app) as base_url:
            pool = app.state.runtime.pool
            await publish_roster(kafka_bootstrap, topics, roster)

            async def consumed() -> bool:
                n = await pool.fetchval("SELECT count(*) FROM members")
                g = await pool.fetchval("SELECT count(*) FROM groups")
                return bool(n == len(roster.members) and g == len(roster.groups))

            await wait_for(consumed, within=60)
            w = World(base_url, settings, roster, topics, pool, kafka_bootstrap, auth, key_path)
            w.stories, w.admins = stories, admins
            yield w
    finally:
        await factory.delete_all()
        await databases.drop(dsn)


def circulation(story_id: str, scope: CirculationScope) -> StoryCirculationRequested:
    return StoryCirculationRequested(
        story_id=story_id,
        kind=StoryKind.GOOD_INITIATIVE,
        scope=scope,
        district_id="DST-BIKANER",
        range_id="RNG-BIKANER",
        title=TITLE,
        body=BODY,
        approved_by="mbr-approver",
        at=AT,
    )


async def publish(w: World, data: BaseModel, event_id: str | None = None) -> str:
    """One story event as story-intake's outbox writes it; its CloudEvents id."""
    event_id = event_id or str(uuid.uuid4())
    spec = spec_for_model(type(data))
    producer = AIOKafkaProducer(bootstrap_servers=w.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            w.stories,
            key=spec.key(data).encode(),
            value=data.model_dump_json().encode(),
            headers=headers_for(event_id, spec.type, "/nazar/story-intake", format_time(AT)),
        )
    finally:
        await producer.stop()
    return event_id


async def fanned_out(w: World, message_id: uuid.UUID) -> None:
    async def done() -> bool:
        return bool(
            await w.pool.fetchval(
                "SELECT finished_at IS NOT NULL FROM jobs WHERE id = $1", message_id
            )
        )

    await wait_for(done, within=60)


async def sent_for(w: World, message_id: uuid.UUID) -> list[Sent]:
    out = await requested(w.bootstrap, w.topics.deliveries, w.topics.flash)
    return [s for s in out if s.data.message_id == str(message_id)]


def audience(w: World, districts: list[str]) -> set[str]:
    circles = {
        m for d in districts for c in w.roster.circles_of[d] for m in w.roster.circle_members[c]
    }
    return (circles | w.admins) & w.roster.reachable


async def test_a_district_circulation_reaches_the_phq_admins_and_the_districts_circles_once(
    world: World,
) -> None:
    story = f"sty-{uuid.uuid4().hex[:10]}"
    event = circulation(story, CirculationScope.DISTRICT)
    event_id = await publish(world, event)
    message_id = circulation_message_id(story)
    await fanned_out(world, message_id)
    # Redelivered, as the same record and as a new one: nothing more is sent.
    await publish(world, event, event_id)
    again = await publish(world, event)  # same key, same partition: consumed after the repeat
    await wait_for(lambda: _processed(world, again), within=30)
    await asyncio.sleep(1.0)  # a second job, had one been made, would be running by now

    sent = await sent_for(world, message_id)
    expected = audience(world, ["DST-BIKANER"])
    assert Counter(s.data.member_id for s in sent) == Counter(expected)
    assert world.admins <= expected  # the PHQ crime admin group always gets it
    churu = {
        m for c in world.roster.circles_of["DST-CHURU"] for m in world.roster.circle_members[c]
    }
    assert not churu & {s.data.member_id for s in sent} - {world.roster.one("ig", "RNG-BIKANER")}
    for s in sent:
        d = s.data
        assert d.purpose is Purpose.STORY
        assert d.ack_requested is False and d.reply_code is None
        assert d.directive_id is None
        assert d.origin is not None and (str(d.origin.kind), d.origin.id) == ("story", story)
        assert d.title == (TITLE.hi if d.language == "hi" else TITLE.en)
    english = {s.data.member_id for s in sent if s.data.language == "en"}
    assert english and english <= {
        str(m.member_id) for m in world.roster.members if m.preferred_language is Language.EN
    }
    rows = await world.pool.fetchval(
        "SELECT count(*) FROM deliveries WHERE message_id = $1", message_id
    )
    assert rows == len(expected)
    assert await world.pool.fetchval("SELECT count(*) FROM directives") == 0  # no placeholder


async def _processed(w: World, event_id: str) -> bool:
    """The stories consumer has committed this event."""
    found = await w.pool.fetchval(
        "SELECT true FROM processed_events WHERE consumer = $1 AND event_id = $2",
        f"{w.settings.consumer_group_prefix}-stories",
        event_id,
    )
    return bool(found)


async def test_a_state_circulation_reaches_every_circle_group(world: World) -> None:
    story = f"sty-{uuid.uuid4().hex[:10]}"
    await publish(world, circulation(story, CirculationScope.STATE))
    message_id = circulation_message_id(story)
    await fanned_out(world, message_id)
    sent = await sent_for(world, message_id)
    expected = audience(world, list(world.roster.circles_of))
    assert Counter(s.data.member_id for s in sent) == Counter(expected)
    assert not {s.data.member_id for s in sent} & world.roster.unreachable


async def test_the_author_is_told_of_each_step_in_their_language(world: World) -> None:
    hindi = world.roster.by_role[("constable", "PS-BIKANER-11")][0]
    english = world.roster.by_role[("head_constable", "PS-BIKANER-11")][0]
    co = world.roster.one("co", "CIR-BIKANER-1")
    story = f"sty-{uuid.uuid4().hex[:10]}"
    back = StorySentBack(
        story_id=story,
        author_id=hindi,
        level=ReviewLevel.CIRCLE,
        by=co,
        by_role=Role.CO,
        at=AT,
    )
    back_id = await publish(world, back)
    forwarded = StoryForwarded(
        story_id=f"{story}-en",
        author_id=english,
        from_level=ReviewLevel.CIRCLE,
        to_level=ReviewLevel.DISTRICT,
        by=co,
        by_role=Role.CO,
        at=AT,
    )
    forwarded_id = await publish(world, forwarded)
    await publish(world, back, back_id)  # redelivered: one notice
    for event_id in (back_id, forwarded_id):
        await fanned_out(world, notice_message_id(event_id))

    [notice] = await sent_for(world, notice_message_id(back_id))
    assert notice.data.member_id == hindi
    assert notice.data.language == "hi"
    assert "बदलाव" in notice.data.title and "नज़र ऐप" in notice.data.body
    assert notice.data.purpose is Purpose.STORY and notice.data.ack_requested is False
    [told] = await sent_for(world, notice_message_id(forwarded_id))
    assert told.data.member_id == english and told.data.language == "en"
    assert "Superintendent of Police" in told.data.body
    assert not {"+91", "@"} & set(told.data.body.split())


async def test_reach_counts_receipts_for_phq_and_the_districts_sp(world: World) -> None:
    story = f"sty-{uuid.uuid4().hex[:10]}"
    await publish(world, circulation(story, CirculationScope.DISTRICT))
    message_id = circulation_message_id(story)
    await fanned_out(world, message_id)
    sent = sorted(await sent_for(world, message_id), key=lambda s: s.data.member_id)
    t = datetime.now(UTC) - timedelta(minutes=1)
    receipts: list[tuple[str, BaseModel]] = []
    for i, s in enumerate(sent):
        kinds: list[type[DispatchSent | DispatchDelivered | DispatchRead]] = [DispatchSent]
        kinds += [DispatchDelivered] if i % 2 == 0 else []
        kinds += [DispatchRead] if i % 4 == 0 else []
        receipts += [
            (
                world.topics.receipts,
                k(
                    delivery_id=s.data.delivery_id,
                    message_id=s.data.message_id,
                    member_id=s.data.member_id,
                    at=t,
                    channel=Channel.WHATSAPP,
                    provider_message_id=f"ref-{s.data.delivery_id[:8]}",
                ),
            )
            for k in kinds
        ]
    await produce(world.bootstrap, receipts, source="/nazar/social-publisher")
    n = len(sent)
    delivered = len(range(0, n, 2))
    read = len(range(0, n, 4))

    async with world.client() as http:

        async def counted() -> bool:
            r = await http.get(
                f"/api/v1/stories/{story}/reach", headers=world.as_("sp_phq_crime", "PHQ")
            )
            return r.status_code == 200 and r.json()["totals"]["sent"] == n

        await wait_for(counted, within=60)
        body = (
            await http.get(
                f"/api/v1/stories/{story}/reach", headers=world.as_("sp_phq_crime", "PHQ")
            )
        ).json()
        assert body["totals"] | {"ack_share": None} == {
            "targeted": n,
            "sent": n,
            "delivered": delivered,
            "read": read,
            "acknowledged": 0,
            "failed": 0,
            "ack_share": None,
        }
        assert body["scope"] == "district" and body["fanned_out"] is True
        assert {u["unit_id"] for u in body["units"] if u["depth"] == 4} == set(
            world.roster.circles_of["DST-BIKANER"]
        )

        sp = await http.get(
            f"/api/v1/stories/{story}/reach", headers=world.as_("sp", "DST-BIKANER")
        )
        assert sp.status_code == 200
        mine = sp.json()
        # The SP sees their district: everyone but the PHQ admins (counted at PHQ) and the
        # range's IG (counted at the range).
        above = len(world.admins & world.roster.reachable) + 1
        assert mine["totals"]["targeted"] == n - above
        assert {u["unit_id"] for u in mine["units"]} <= {
            "PHQ",
            "RNG-BIKANER",
            "DST-BIKANER",
            *world.roster.circles_of["DST-BIKANER"],
            *(
                u.unit_id
                for u in world.roster.units
                if u.parent_id in world.roster.circles_of["DST-BIKANER"]
            ),
        }

        for role, unit in (("sp", "DST-CHURU"), ("co", "CIR-BIKANER-1"), ("ig", "RNG-BIKANER")):
            refused = await http.get(
                f"/api/v1/stories/{story}/reach",
                headers={**world.as_(role, unit), "Accept-Language": "hi"},
            )
            assert refused.status_code == 403, (role, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")

        missing = await http.get(
            "/api/v1/stories/sty-never-approved/reach",
            headers={**world.as_("sp_phq_crime", "PHQ"), "Accept-Language": "hi"},
        )
        assert missing.status_code == 404
        assert "प्रसारित" in missing.json()["detail"]

    async with world.pool.acquire() as conn:
        recount = await reach.origin_recount(conn, "story", story)
        rows = await conn.fetch(
            "SELECT message_id, unit_id, targeted, sent, delivered, read, acknowledged, failed "
            "FROM reach_counters WHERE origin_kind = 'story' AND origin_id = $1",
            story,
        )
    assert {(r["message_id"], r["unit_id"]): tuple(r)[2:] for r in rows} == {
        k: (c.targeted, c.sent, c.delivered, c.read, c.acknowledged, c.failed)
        for k, c in recount.items()
    }
