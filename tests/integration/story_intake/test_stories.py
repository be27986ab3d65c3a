"""Stories on a real PostgreSQL and Kafka: intake, the chain CO → SP → PHQ, claims,
idempotency, refusals as problems in Hindi and English, events on story.events.v1."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import httpx
import pytest
from nazar_contracts import event_types, topics
from nazar_platform.runtime.context import Runtime
from story_intake import metrics
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings
from story_intake.store import units
from story_intake.workers import gauges

from tests.conftest import DatabaseFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import read_topic, wait_for
from tests.integration.story_intake.test_api import Running, token

TREE = [
    units.UnitRow("RJ", "state", ("RJ",), 1),
    units.UnitRow("RNG-JAIPUR", "range", ("RJ", "RNG-JAIPUR"), 1),
    units.UnitRow("DST-KT", "district", ("RJ", "RNG-JAIPUR", "DST-KT"), 1),
    units.UnitRow("CIR-TIJARA", "circle", ("RJ", "RNG-JAIPUR", "DST-KT", "CIR-TIJARA"), 1),
    units.UnitRow("CIR-KBAS", "circle", ("RJ", "RNG-JAIPUR", "DST-KT", "CIR-KBAS"), 1),
    units.UnitRow(
        "PS-TIJARA", "police_station", ("RJ", "RNG-JAIPUR", "DST-KT", "CIR-TIJARA", "PS-TIJARA"), 1
    ),
    units.UnitRow("DST-ALWAR", "district", ("RJ", "RNG-JAIPUR", "DST-ALWAR"), 1),
]
CONSTABLE = ("M-CONST-1", "constable:PS-TIJARA")
CO = ("M-CO-1", "co:CIR-TIJARA")
OTHER_CO = ("M-CO-2", "co:CIR-KBAS")
SP = ("M-SP-1", "sp:DST-KT")
OTHER_SP = ("M-SP-2", "sp:DST-ALWAR")
WRITER = ("M-WRITER-1", "content_writer:RJ")
WRITER_2 = ("M-WRITER-2", "content_writer:RJ")
APPROVER = ("M-SPPHQ-1", "sp_phq_crime:RJ")
STORY = {
    "kind": "gang_bust",
    "title": {"hi": "तिजारा पुलिस ने वाहन चोर गिरोह का पर्दाफ़ाश किया"},
    "text": {
        "hi": "तिजारा थाना पुलिस ने नाकाबंदी के दौरान चोरी की सात मोटरसाइकिलें बरामद कीं और गिरोह "
        "के तीन सदस्यों को गिरफ़्तार किया।",
        "en": "Tijara police recovered seven stolen motorcycles at a checkpoint.",
    },
    "place": "तिजारा",
    "event_date": "2026-11-28",
    "case_ref": "FIR 412/2026",
}


@pytest.fixture(scope="module")
async def running(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Running]:
    database = await databases.create("story_chain")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",  # the tree is written directly below
        claim_lapse=timedelta(seconds=2),
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url:
        conn = await asyncpg.connect(database)
        try:
            await units.upsert(conn, TREE)
        finally:
            await conn.close()
        yield Running(url, database)


def client(running: Running, who: tuple[str, ...], language: str = "en") -> httpx.AsyncClient:
    return running.client(token(*who), language)


async def new_story(
    running: Running, body: dict[str, Any] | None = None, submit: bool = True
) -> str:
    async with client(running, CONSTABLE) as c:
        r = await c.post("/api/v1/stories", json={**(body or STORY), "submit": submit})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def decide(
    running: Running, who: tuple[str, ...], story_id: str, decision: str, note: str | None = None
) -> httpx.Response:
    async with client(running, who) as c:
        return await c.post(
            f"/api/v1/stories/{story_id}/decisions", json={"decision": decision, "note": note}
        )


async def mine(running: Running, story_id: str) -> dict[str, Any]:
    async with client(running, CONSTABLE) as c:
        r = await c.get("/api/v1/stories/mine")
        assert r.status_code == 200, r.text
        return next(s for s in r.json()["items"] if s["id"] == story_id)


async def test_a_story_goes_co_sp_phq_and_is_approved_with_its_events(
    running: Running, kafka_bootstrap: str
) -> None:
    story_id = await new_story(running)
    story = await mine(running, story_id)
    assert (story["state"], story["level"]) == ("in_review", "circle")
    assert (story["circle_id"], story["district_id"]) == ("CIR-TIJARA", "DST-KT")
    assert story["case_ref"] == "FIR 412/2026"
    for who, expected in ((CO, "district"), (SP, "phq")):
        r = await decide(running, who, story_id, "forward")
        assert r.status_code == 200, r.text
        assert r.json()["level"] == expected
    r = await decide(running, WRITER, story_id, "approve")
    assert r.status_code == 403 and r.json()["code"] == "story.not_approver"
    async with client(running, WRITER) as c:
        r = await c.post(
            f"/api/v1/stories/{story_id}/versions/circulation",
            json={"title": {"hi": "तिजारा: वाहन चोर गिरोह पकड़ा"}, "body": {"hi": "सात बाइक मिलीं।"}},
        )
        assert r.status_code == 201, r.text
    async with client(running, WRITER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/approval", json={"scope": "phq_admin"})
        assert r.status_code == 403 and r.json()["code"] == "access.forbidden"
    async with client(running, APPROVER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/approval", json={"scope": "phq_admin"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    story = await mine(running, story_id)
    assert [s["action"] for s in story["steps"]] == [
        "created", "submitted", "forward", "forward", "version", "approve"
    ]  # fmt: skip
    assert story["approval"]["scope"] == "phq_admin" and story["posts"] == []

    async def all_events() -> list[Any]:
        return [r for r in await read_topic(kafka_bootstrap, topics.STORY_EVENTS)
                if r.key == story_id.encode()]  # fmt: skip

    await wait_for(lambda: _count(all_events, 5))
    records = await all_events()
    types = [dict(r.headers)["ce_type"].decode() for r in records]
    assert types == [
        event_types.STORY_SUBMITTED,
        event_types.STORY_FORWARDED,
        event_types.STORY_FORWARDED,
        event_types.STORY_APPROVED,
        event_types.STORY_CIRCULATION_REQUESTED,
    ]
    # No case reference anywhere and no field text: the one text that travels is the approved
    # circulation version.
    raw = b"".join(r.value or b"" for r in records).decode()
    assert "412/2026" not in raw and "मोटरसाइकिल" not in raw
    forwarded = json.loads(records[1].value or b"{}")
    assert forwarded["author_id"] == CONSTABLE[0]
    submitted = json.loads(records[0].value or b"{}")
    assert submitted["author_id"] == CONSTABLE[0] and submitted["level"] == "circle"


async def _count(read: Any, n: int) -> bool:
    return len(await read()) >= n


async def test_send_back_returns_to_the_same_step_with_the_note(running: Running) -> None:
    story_id = await new_story(running)
    assert (await decide(running, CO, story_id, "forward")).status_code == 200
    r = await decide(running, SP, story_id, "send_back")
    assert r.status_code == 422 and r.json()["code"] == "story.note_required"
    note = "गिरफ़्तार लोगों के नाम हटाएं और बरामदगी की फोटो लगाएं।"
    assert (await decide(running, SP, story_id, "send_back", note)).status_code == 200
    story = await mine(running, story_id)
    assert (story["state"], story["level"]) == ("sent_back", "district")
    assert story["steps"][-1]["note"] == note
    async with client(running, CONSTABLE) as c:
        edited = {**STORY, "text": {"hi": "तिजारा पुलिस ने सात चोरी की मोटरसाइकिलें बरामद कीं।"}}
        r = await c.put(f"/api/v1/stories/{story_id}", json=edited)
        assert r.status_code == 200, r.text
        r = await c.post(f"/api/v1/stories/{story_id}/submit")
        assert r.status_code == 200, r.text
        assert (r.json()["state"], r.json()["level"]) == ("in_review", "district")


async def test_the_gate_verdict_and_flags_are_kept_with_the_story(running: Running) -> None:
    body = {
        **STORY,
        "kind": "arrest",
        "title": {"hi": "दुष्कर्म का आरोपी गिरफ़्तार"},
        "text": {"hi": "पीड़िता सुनीता पुत्री मोहनलाल के साथ दुष्कर्म के आरोपी को गिरफ़्तार किया।"},
    }
    story = await mine(running, await new_story(running, body, submit=False))
    assert story["state"] == "draft" and story["level"] is None
    assert story["gate_verdict"] == "block"
    assert story["sexual_offence"] is True
    assert "victim_name" in story["gate_rules"]


async def test_a_retry_with_the_same_idempotency_key_creates_one_story(running: Running) -> None:
    key = str(uuid.uuid4())
    async with client(running, CONSTABLE) as c:
        first = await c.post("/api/v1/stories", json=STORY, headers={"Idempotency-Key": key})
        again = await c.post("/api/v1/stories", json=STORY, headers={"Idempotency-Key": key})
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert again.headers.get("Idempotent-Replayed") == "true"
        story_id = first.json()["id"]
        mine_now = (await c.get("/api/v1/stories/mine")).json()["items"]
        assert sum(1 for s in mine_now if s["id"] == story_id) == 1


async def test_self_review_foreign_queues_and_withdrawal_are_refused(running: Running) -> None:
    async with client(running, CO) as c:  # a CO's own story starts at the SP
        r = await c.post("/api/v1/stories", json={**STORY, "submit": True})
        assert r.status_code == 201, r.text
        co_story = r.json()["id"]
        assert r.json()["level"] == "district"
    as_sp_too = ("M-CO-1", "sp:DST-KT")  # an additional charge cannot review one's own story
    r = await decide(running, as_sp_too, co_story, "forward")
    assert r.status_code == 403 and r.json()["code"] == "story.own_story"
    story_id = await new_story(running)
    for outsider in (OTHER_CO, SP, OTHER_SP, WRITER):
        r = await decide(running, outsider, story_id, "forward")
        assert r.status_code == 403, outsider
        assert r.json()["code"] == "story.not_your_queue"
    async with client(running, OTHER_CO, language="hi") as c:
        queue = (await c.get("/api/v1/stories/queue", params={"level": "circle"})).json()
        assert story_id not in {s["id"] for s in queue["items"]}
        r = await c.get("/api/v1/stories/queue", params={"level": "district"})
        assert r.status_code == 403 and "कतार" in r.json()["title"]
    async with client(running, CO) as c:
        queue = (await c.get("/api/v1/stories/queue", params={"level": "circle"})).json()
        assert story_id in {s["id"] for s in queue["items"]}
    async with client(running, CONSTABLE) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/withdraw")
        assert r.status_code == 200 and r.json()["state"] == "withdrawn"
        r = await c.post(f"/api/v1/stories/{story_id}/withdraw")
        assert r.status_code == 409 and r.json()["code"] == "story.closed"
    r = await decide(running, CO, story_id, "forward")
    assert r.status_code == 409 and r.json()["code"] == "story.not_in_review"
    async with client(running, CONSTABLE) as c:
        r = await c.post(f"/api/v1/stories/{uuid.uuid4()}/withdraw")
        assert r.status_code == 404 and r.json()["code"] == "story.not_found"


async def test_a_claim_shows_blocks_others_lapses_and_is_taken_over(running: Running) -> None:
    story_id = await new_story(running)
    assert (await decide(running, CO, story_id, "forward")).status_code == 200
    assert (await decide(running, SP, story_id, "forward")).status_code == 200
    async with client(running, WRITER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/claim")
        assert r.status_code == 200, r.text
        assert r.json()["claim"]["by"] == WRITER[0]
    async with client(running, WRITER_2) as c:
        queue = (await c.get("/api/v1/stories/queue", params={"level": "phq"})).json()
        shown = next(s for s in queue["items"] if s["id"] == story_id)
        assert shown["claim"]["by"] == WRITER[0]
        r = await c.post(f"/api/v1/stories/{story_id}/claim")
        assert r.status_code == 409 and r.json()["code"] == "story.claimed_by_other"
    async with client(running, APPROVER) as c:  # the approver takes over
        r = await c.post(f"/api/v1/stories/{story_id}/claim")
        assert r.status_code == 200 and r.json()["claim"]["by"] == APPROVER[0]

    async def lapsed() -> bool:
        async with client(running, WRITER_2) as c:
            return (await c.post(f"/api/v1/stories/{story_id}/claim")).status_code == 200

    await wait_for(lapsed, within=10)


async def test_the_gauges_count_stories_by_state_and_queue_depth_by_level(running: Running) -> None:
    story_id = await new_story(running)
    pool = await asyncpg.create_pool(running.database, min_size=1, max_size=1)
    try:
        await gauges.refresh(cast(Runtime, SimpleNamespace(pool=pool)))
        async with pool.acquire() as conn:
            waiting = await conn.fetchval(
                "SELECT count(*) FROM stories WHERE state = 'in_review' AND level = 'circle'"
            )
    finally:
        await pool.close()
    assert waiting >= 1, story_id
    assert metrics.QUEUE_DEPTH.labels("circle")._value.get() == waiting
    assert metrics.STORIES.labels("in_review", "gang_bust")._value.get() >= waiting


async def test_every_decision_is_in_the_audit_trail(running: Running) -> None:
    """A 403 is counted and logged, not a row (the platform's rule against floods); a decision
    the chain refuses for its content is a `failed` row, a decision made an `allowed` one."""
    story_id = await new_story(running)
    assert (await decide(running, OTHER_CO, story_id, "forward")).status_code == 403
    assert (await decide(running, CO, story_id, "send_back")).status_code == 422
    co_and_sp = ("M-CO-1", "sp:DST-ALWAR", "co:CIR-TIJARA")  # acts as the CO here
    assert (await decide(running, co_and_sp, story_id, "reject", "पुरानी घटना")).status_code == 200
    conn = await asyncpg.connect(running.database)
    try:
        rows = await conn.fetch(
            "SELECT member_id, action, status, outcome, grant_role, grant_unit, target_unit "
            "FROM audit_log WHERE path = $1 ORDER BY id",
            f"/api/v1/stories/{story_id}/decisions",
        )
    finally:
        await conn.close()
    assert [tuple(r)[:4] for r in rows] == [
        (CO[0], "story.moderate", 422, "failed"),
        (CO[0], "story.moderate", 200, "allowed"),
    ]
    assert tuple(rows[-1])[4:] == ("co", "CIR-TIJARA", "PS-TIJARA")
