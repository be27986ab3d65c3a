"""The command tree comes from roster.units.v1: an author's circle and district follow it, and a
record older than the one applied never wins. Both versions of the unit are read: a branch of PHQ
(the crime branch) comes as nazar.unit.upserted.v2 beside the v1 records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from nazar_contracts.base import BilingualName
from nazar_contracts.registry import spec_for_model
from nazar_contracts.units import UnitUpserted, UnitUpsertedV2
from nazar_contracts.vocabulary import CRIME_BRANCH, UNIT_KINDS_V1, UnitKind
from nazar_platform.kafka.cloudevents import format_time, headers_for
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for
from tests.integration.story_intake.test_api import token
from tests.integration.story_intake.test_stories import STORY

NOW = datetime(2026, 11, 20, 6, 15, tzinfo=UTC)
KINDS = {"PHQ": UnitKind.STATE, "RNG-JAIPUR": UnitKind.RANGE, "DST-KT": UnitKind.DISTRICT,
         "DST-ALWAR": UnitKind.DISTRICT, "CIR-TIJARA": UnitKind.CIRCLE,
         "PS-TIJARA": UnitKind.POLICE_STATION, CRIME_BRANCH: UnitKind.BRANCH}  # fmt: skip


def unit(path: list[str], version: int = 1) -> UnitUpserted:
    uid = path[-1]
    model = UnitUpserted if KINDS[uid] in UNIT_KINDS_V1 else UnitUpsertedV2  # as the roster does
    return model(
        unit_id=uid,
        kind=KINDS[uid],
        name=BilingualName(hi="इकाई " + uid, en="Unit " + uid),
        parent_id=path[-2] if len(path) > 1 else None,
        path=path,
        active=True,
        closed_at=None,
        version=version,
        updated_at=NOW,
    )


async def produce(bootstrap: str, topic: str, units: list[UnitUpserted]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for data in units:
            spec = spec_for_model(type(data))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(
                    str(uuid.uuid4()), spec.type, "/nazar/roster", format_time(NOW)
                ),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def test_the_tree_from_roster_units_places_an_author(
    databases: DatabaseFactory, kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    topic = await new_topic("roster-units")
    database = await databases.create("story_units")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units=topic,
        consumer_group_prefix=f"story-intake-{uuid.uuid4().hex[:8]}",
        shutdown_timeout=timedelta(seconds=20),
    )
    base = ["PHQ", "RNG-JAIPUR"]
    await produce(
        kafka_bootstrap,
        topic,
        [
            unit(base[:1]),
            unit(["PHQ", CRIME_BRANCH]),
            unit(base),
            unit([*base, "DST-KT"]),
            unit([*base, "DST-ALWAR"]),
            unit([*base, "DST-KT", "CIR-TIJARA"]),
            unit([*base, "DST-KT", "CIR-TIJARA", "PS-TIJARA"], version=2),
            # An older record of the station, under another district, arrives late.
            unit([*base, "DST-ALWAR", "CIR-TIJARA", "PS-TIJARA"], version=1),
        ],
    )
    async with serve(create(settings)) as url:
        headers = {"Authorization": f"Bearer {token('M-C-7', 'constable:PS-TIJARA')}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as c:
            answers: list[httpx.Response] = []

            async def placed() -> bool:
                answers.append(await c.post("/api/v1/stories", json={**STORY, "submit": True}))
                return answers[-1].status_code == 201

            await wait_for(placed, within=60, every=1.0)
            assert all(a.json()["code"] == "story.unit_unknown" for a in answers[:-1])
            story = answers[-1].json()
            assert (story["circle_id"], story["district_id"]) == ("CIR-TIJARA", "DST-KT")
            assert story["level"] == "circle"
    conn = await asyncpg.connect(database)
    try:
        branch = await conn.fetchrow("SELECT kind, path FROM units WHERE id = $1", CRIME_BRANCH)
    finally:
        await conn.close()
    assert branch is not None and (branch["kind"], branch["path"]) == (
        "branch",
        ["PHQ", CRIME_BRANCH],
    )
