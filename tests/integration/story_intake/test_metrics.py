"""The story metrics on a real PostgreSQL: time at each step from the arrival at a level to the
decision, the oldest wait per level, stories by state and kind, and stories the gate blocks."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import pytest
from nazar_platform.runtime.context import Runtime
from prometheus_client import REGISTRY
from story_intake import metrics
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings
from story_intake.store import units
from story_intake.workers import gauges

from tests.conftest import DatabaseFactory
from tests.integration.platform.http.server import serve
from tests.integration.story_intake.test_api import Running, token
from tests.integration.story_intake.test_stories import CO, CONSTABLE, SP, STORY, TREE


@pytest.fixture(scope="module")
async def running(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[Running]:
    database = await databases.create("story_metrics")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",  # the tree is written directly below
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url:
        conn = await asyncpg.connect(database)
        try:
            await units.upsert(conn, TREE)
        finally:
            await conn.close()
        yield Running(url, database)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _post(running: Running, who: tuple[str, ...], path: str, **body: Any) -> dict[str, Any]:
    async with running.client(token(*who)) as c:
        r = await c.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code in (200, 201), r.text
        result: dict[str, Any] = r.json()
        return result


async def _arrived_hours_ago(running: Running, story_id: str, hours: float) -> None:
    conn = await asyncpg.connect(running.database)
    try:
        await conn.execute(
            "UPDATE stories SET arrived_at = now() - make_interval(secs => $2) WHERE id = $1",
            uuid.UUID(story_id),
            hours * 3600,
        )
    finally:
        await conn.close()


async def _arrived_at(running: Running, story_id: str) -> Any:
    conn = await asyncpg.connect(running.database)
    try:
        return await conn.fetchval(
            "SELECT arrived_at FROM stories WHERE id = $1", uuid.UUID(story_id)
        )
    finally:
        await conn.close()


async def _refresh(running: Running) -> None:
    pool = await asyncpg.create_pool(running.database, min_size=1, max_size=1)
    try:
        await gauges.refresh(cast(Runtime, SimpleNamespace(pool=pool)))
    finally:
        await pool.close()


async def test_each_decision_observes_the_time_since_the_story_arrived_at_its_level(
    running: Running,
) -> None:
    story = await _post(running, CONSTABLE, "/api/v1/stories", **STORY, submit=True)
    story_id = story["id"]
    await _arrived_hours_ago(running, story_id, 3)
    count = "nazar_story_step_seconds_count"
    total = "nazar_story_step_seconds_sum"
    before = _sample(count, level="circle", decision="forward")
    before_sum = _sample(total, level="circle", decision="forward")
    claimed = await _post(running, CO, f"/api/v1/stories/{story_id}/claim")
    assert claimed["claim"]["by"] == CO[0]
    await _post(running, CO, f"/api/v1/stories/{story_id}/decisions", decision="forward")
    assert _sample(count, level="circle", decision="forward") == before + 1
    waited = _sample(total, level="circle", decision="forward") - before_sum
    assert 3 * 3600 <= waited < 3 * 3600 + 120  # the claim did not restart the wait
    at_district = await _arrived_at(running, story_id)

    # Sent back by the SP, resubmitted by the author: a new arrival at the district.
    await _arrived_hours_ago(running, story_id, 30)
    before = _sample(count, level="district", decision="send_back")
    note = "कृपया बरामद मोटरसाइकिलों की संख्या जाँच लें।"
    decisions = f"/api/v1/stories/{story_id}/decisions"
    await _post(running, SP, decisions, decision="send_back", note=note)
    assert _sample(count, level="district", decision="send_back") == before + 1
    assert _sample(total, level="district", decision="send_back") >= 30 * 3600
    await _post(running, CONSTABLE, f"/api/v1/stories/{story_id}/submit")
    assert await _arrived_at(running, story_id) > at_district


async def test_the_gauges_give_depth_oldest_age_and_stories_by_state_and_kind(
    running: Running,
) -> None:
    old = await _post(running, CO, "/api/v1/stories", **{**STORY, "kind": "recovery"}, submit=True)
    assert old["level"] == "district"
    await _arrived_hours_ago(running, old["id"], 25)
    await _post(running, CONSTABLE, "/api/v1/stories", **{**STORY, "kind": "arrest"})  # a draft
    await _refresh(running)
    assert metrics.QUEUE_OLDEST_AGE.labels("district")._value.get() >= 25 * 3600
    assert metrics.QUEUE_DEPTH.labels("district")._value.get() >= 1
    conn = await asyncpg.connect(running.database)
    try:
        rows = await conn.fetch("SELECT state, kind, count(*) AS n FROM stories GROUP BY 1, 2")
    finally:
        await conn.close()
    for r in rows:
        assert metrics.STORIES.labels(r["state"], r["kind"])._value.get() == r["n"]
    # Combinations with no story are reported as 0, so their series do not vanish.
    if not any((r["state"], r["kind"]) == ("withdrawn", "other") for r in rows):
        assert metrics.STORIES.labels("withdrawn", "other")._value.get() == 0


async def test_a_story_the_gate_blocks_is_counted_once_per_rule_even_when_retried(
    running: Running,
) -> None:
    text = {"hi": "गिरफ़्तार व्यक्ति का आधार 2341 2341 2346 है।", "en": None}
    body = {**STORY, "text": text, "submit": False}
    before = _sample("nazar_story_gate_blocks_total", rule="aadhaar")
    key = str(uuid.uuid4())
    async with running.client(token(*CONSTABLE), "hi") as c:
        for _ in range(2):
            r = await c.post("/api/v1/stories", json=body, headers={"Idempotency-Key": key})
            assert r.status_code == 201, r.text
            assert r.json()["gate_verdict"] == "block"
    assert _sample("nazar_story_gate_blocks_total", rule="aadhaar") == before + 1


async def test_a_decision_retried_after_its_answer_was_lost_applies_nothing_again(
    running: Running,
) -> None:
    """The decision commits, the process dies before its answer is stored (here: the stored
    answer is deleted), the client resends with the same key: the same answer, one step, one
    event, one observation."""
    story = await _post(running, CONSTABLE, "/api/v1/stories", **STORY, submit=True)
    path = f"/api/v1/stories/{story['id']}/decisions"
    before = _sample("nazar_story_step_seconds_count", level="circle", decision="forward")
    async with running.client(token(*CO)) as c:
        first = await c.post(path, json={"decision": "forward"}, headers={"Idempotency-Key": "k1"})
        assert first.status_code == 200, first.text
        conn = await asyncpg.connect(running.database)
        try:
            await conn.execute("DELETE FROM idempotency_keys")
            again = await c.post(
                path, json={"decision": "forward"}, headers={"Idempotency-Key": "k1"}
            )
            steps = await conn.fetchval(
                "SELECT count(*) FROM story_steps WHERE story_id = $1 AND action = 'forward'",
                uuid.UUID(story["id"]),
            )
            events = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE key = convert_to($1, 'UTF8') "
                "AND ce_type = 'nazar.story.forwarded.v1'",
                story["id"],
            )
        finally:
            await conn.close()
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers  # it ran again, and applied nothing
    assert (again.json()["level"], again.json()["state"]) == ("district", "in_review")
    assert (steps, events) == (1, 1)
    assert _sample("nazar_story_step_seconds_count", level="circle", decision="forward") == (
        before + 1
    )
