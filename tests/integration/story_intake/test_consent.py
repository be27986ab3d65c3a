"""Volunteers only with consent (issue 13): consent comes from roster.members.v1; a gram rakshak
without it is refused with a problem in Hindi or English, with it the story goes up, and a
withdrawal (a newer record) stops the next submission. Police need no consent record."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from nazar_contracts.members import Consent, ConsentMethod, ConsentState, MemberUpserted, Posting
from nazar_contracts.registry import spec_for_model
from nazar_contracts.vocabulary import Language, Role
from nazar_platform.kafka.cloudevents import format_time, headers_for
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings
from story_intake.store import units

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import wait_for
from tests.integration.story_intake.test_api import token
from tests.integration.story_intake.test_stories import STORY, TREE

NOW = datetime(2026, 11, 20, 6, 15, tzinfo=UTC)
PATH = ["RJ", "RNG-JAIPUR", "DST-KT", "CIR-TIJARA", "PS-TIJARA"]
VOLUNTEER_STORY = {
    **STORY,
    "kind": "help_to_citizens",
    "title": {"hi": "ग्राम रक्षकों ने बाढ़ में फँसे परिवार को सुरक्षित निकाला"},
    "text": {
        "hi": "गाँव के ग्राम रक्षकों ने थाना पुलिस के साथ मिलकर रात में पानी से घिरे घर से "
        "बुज़ुर्गों और बच्चों को सुरक्षित बाहर निकाला।"
    },
}


def volunteer(member_id: str, state: ConsentState, version: int = 1) -> MemberUpserted:
    granted = state is ConsentState.GRANTED
    return MemberUpserted(
        member_id=member_id,
        name_hi="रामलाल मीणा",
        name_latin="Ramlal Meena",
        postings=[
            Posting(
                role=Role.GRAM_RAKSHAK,
                unit_id=PATH[-1],
                unit_path=PATH,
                primary=True,
                since=date(2025, 1, 1),
            )
        ],
        preferred_language=Language.HI,
        has_whatsapp=True,
        has_sms=True,
        active=True,
        consent=Consent(
            required=True,
            state=state,
            method=ConsentMethod.FORM if granted or state is ConsentState.WITHDRAWN else None,
            recorded_at=NOW if granted or state is ConsentState.WITHDRAWN else None,
            withdrawn_at=NOW if state is ConsentState.WITHDRAWN else None,
        ),
        synthetic=True,
        version=version,
        updated_at=NOW,
    )


async def produce(bootstrap: str, topic: str, members: list[MemberUpserted]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        spec = spec_for_model(MemberUpserted)
        for data in members:
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


@pytest.fixture
async def members_topic(new_topic: TopicFactory) -> str:
    return await new_topic("roster-members")


@pytest.fixture
async def service(
    databases: DatabaseFactory, kafka_bootstrap: str, members_topic: str
) -> AsyncIterator[tuple[str, str]]:
    database = await databases.create("story_consent")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",
        topic_members=members_topic,
        consumer_group_prefix=f"story-intake-{uuid.uuid4().hex[:8]}",
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url:
        conn = await asyncpg.connect(database)
        try:
            await units.upsert(conn, TREE)
        finally:
            await conn.close()
        yield url, database


async def _consent_of(database: str, member_id: str) -> str | None:
    conn = await asyncpg.connect(database)
    try:
        state: str | None = await conn.fetchval(
            "SELECT state FROM member_consent WHERE member_id = $1", member_id
        )
        return state
    finally:
        await conn.close()


def _client(url: str, *who: str, language: str = "hi") -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token(*who)}", "Accept-Language": language}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=30)


async def test_a_volunteer_sends_stories_only_with_recorded_consent(
    service: tuple[str, str], kafka_bootstrap: str, members_topic: str
) -> None:
    url, database = service
    await produce(
        kafka_bootstrap,
        members_topic,
        [volunteer("M-GR-1", ConsentState.GRANTED), volunteer("M-GR-2", ConsentState.PENDING)],
    )
    await wait_for(lambda: _known(database, "M-GR-2"), within=60)

    # Unknown to the roster, and pending: refused, nothing stored.
    for member in ("M-GR-9", "M-GR-2"):
        async with _client(url, member, "gram_rakshak:PS-TIJARA") as c:
            r = await c.post("/api/v1/stories", json={**VOLUNTEER_STORY, "submit": True})
        assert r.status_code == 403, r.text
        problem = r.json()
        assert problem["code"] == "story.consent_missing"
        assert "सहमति" in problem["title"] and "सहमति दर्ज करवाएं" in problem["detail"]
        assert r.headers["content-type"].startswith("application/problem+json")
    async with _client(url, "M-GR-2", "gram_rakshak:PS-TIJARA", language="en") as c:
        r = await c.post("/api/v1/stories", json={**VOLUNTEER_STORY, "submit": False})
    assert r.status_code == 403 and r.json()["title"] == "Your consent is not recorded"

    # Granted: a draft, then sent up.
    async with _client(url, "M-GR-1", "gram_rakshak:PS-TIJARA") as c:
        r = await c.post("/api/v1/stories", json={**VOLUNTEER_STORY, "submit": False})
        assert r.status_code == 201, r.text
        draft = r.json()["id"]
        r = await c.post("/api/v1/stories", json={**VOLUNTEER_STORY, "submit": True})
        assert r.status_code == 201 and r.json()["level"] == "circle", r.text

    # Withdrawn (a newer version): the draft can no longer be sent up.
    await produce(kafka_bootstrap, members_topic, [volunteer("M-GR-1", ConsentState.WITHDRAWN, 2)])

    async def withdrawn() -> bool:
        return await _consent_of(database, "M-GR-1") == "withdrawn"

    await wait_for(withdrawn, within=60)
    async with _client(url, "M-GR-1", "gram_rakshak:PS-TIJARA") as c:
        r = await c.post(f"/api/v1/stories/{draft}/submit")
        assert r.status_code == 403 and r.json()["code"] == "story.consent_missing"
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    assert {s["id"]: s["state"] for s in mine}[draft] == "draft"

    # A constable has no consent record and needs none.
    async with _client(url, "M-CONST-1", "constable:PS-TIJARA") as c:
        r = await c.post("/api/v1/stories", json={**STORY, "submit": True})
    assert r.status_code == 201, r.text


async def _known(database: str, member_id: str) -> bool:
    return await _consent_of(database, member_id) is not None
