"""The PHQ cell on a real PostgreSQL and Kafka: versions gated on write, one-click redaction,
acknowledgements, marks, approval with its events, and the publisher's answers.

The story at the centre names a rape survivor's village and father, in Hindi: it cannot be
approved for circulation or public until the writer redacts it in one click; the approver then
acknowledges the remaining `review` finding with a reason, and the approval emits exactly
StoryApproved, StoryCirculationRequested and one PublishRequested per public channel, once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types, topics
from nazar_contracts.publish import PublishFailed, PublishPosted
from nazar_contracts.registry import spec_for_model
from nazar_contracts.stories import PublicChannel
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel
from story_intake.app import create
from story_intake.settings import StoryIntakeSettings
from story_intake.store import units

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.http.server import serve
from tests.integration.platform.support import read_topic, wait_for
from tests.integration.story_intake.test_api import Running, token
from tests.integration.story_intake.test_stories import (
    CO,
    CONSTABLE,
    SP,
    STORY,
    TREE,
    WRITER,
)

APPROVER = ("M-SPPHQ-1", "sp_phq_crime:RJ")
ADG = ("M-ADG-1", "adg:RJ")
PRO = ("M-PRO-1", "police_pro:RJ")
SURVIVOR_TEXT = (
    "तिजारा पुलिस ने दुष्कर्म के आरोपी रमेश मीणा को 24 घंटे में गिरफ़्तार किया। पीड़िता ग्राम "
    "रामपुरा की रहने वाली है, उसके पिता मोहनलाल ने थाने में रिपोर्ट दी थी।"
)
SURVIVOR = {
    "kind": "arrest",
    "title": {"hi": "दुष्कर्म का आरोपी 24 घंटे में गिरफ़्तार"},
    "text": {"hi": SURVIVOR_TEXT},
    "place": "तिजारा",
    "case_ref": "FIR 77/2026",
}
CIRCULATION = {
    "title": {"hi": "तिजारा पुलिस: दुष्कर्म का आरोपी 24 घंटे में गिरफ़्तार"},
    "body": {"hi": SURVIVOR_TEXT},
}


@pytest.fixture(scope="module")
async def results_topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    factory = TopicFactory(kafka_bootstrap)
    yield await factory("publish-results")
    await factory.delete_all()


@pytest.fixture(scope="module")
async def running(
    databases: DatabaseFactory,
    kafka_bootstrap: str,
    results_topic: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Running]:
    database = await databases.create("story_cell")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",  # the tree is written directly below
        topic_publish_results=results_topic,
        consumer_group_prefix=f"story-intake-{uuid.uuid4().hex[:8]}",
        media_dir=tmp_path_factory.mktemp("story-media"),
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


async def at_phq(running: Running, body: dict[str, Any] | None = None) -> str:
    """A constable's story, forwarded by the CO and the SP: it waits at PHQ."""
    async with client(running, CONSTABLE) as c:
        r = await c.post("/api/v1/stories", json={**(body or STORY), "submit": True})
        assert r.status_code == 201, r.text
        story_id = str(r.json()["id"])
    for who in (CO, SP):
        async with client(running, who) as c:
            r = await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": "forward"})
            assert r.status_code == 200, r.text
    return story_id


async def write(
    running: Running, who: tuple[str, ...], story_id: str, channel: str, body: dict[str, Any]
) -> dict[str, Any]:
    async with client(running, who) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/versions/{channel}", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def approve(
    running: Running, who: tuple[str, ...], story_id: str, body: dict[str, Any], key: str = ""
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    async with client(running, who, language="hi") as c:
        return await c.post(f"/api/v1/stories/{story_id}/approval", json=body, headers=headers)


def _hindi(r: httpx.Response, code: str) -> None:
    assert r.json()["code"] == code, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any("\u0900" <= ch <= "\u097f" for ch in r.json()["title"])


async def _story_records(bootstrap: str, topic: str, story_id: str) -> list[Any]:
    out = []
    for r in await read_topic(bootstrap, topic):
        if r.key == story_id.encode() or json.loads(r.value or b"{}").get("story_id") == story_id:
            out.append(r)
    return out


async def test_the_survivor_story_is_redacted_acknowledged_and_approved_once(
    running: Running, kafka_bootstrap: str
) -> None:
    story_id = await at_phq(running, SURVIVOR)
    async with client(running, WRITER) as c:
        seen = (await c.get(f"/api/v1/stories/{story_id}/versions")).json()
    assert seen["sexual_offence"] is True  # marked by the gate when it reached PHQ
    field_rules = {f["rule"] for f in seen["field_findings"]}
    assert {"victim_address", "victim_relative"} <= field_rules
    assert seen["seed"]["body"]["hi"] == SURVIVOR_TEXT

    circ = await write(running, WRITER, story_id, "circulation", CIRCULATION)
    x = await write(running, WRITER, story_id, "x", {"text": SURVIVOR_TEXT})
    assert (circ["n"], circ["gate_verdict"]) == (1, "block")
    assert x["measure"]["limit"] == 280 and not x["measure"]["too_long"]
    blocks = {f["rule"] for f in x["findings"] if f["verdict"] == "block"}
    assert blocks == {"victim_address", "victim_relative"}

    # Neither circulation beyond the PHQ crime admin group nor a public channel.
    r = await approve(running, APPROVER, story_id, {"scope": "district"})
    assert r.status_code == 409
    _hindi(r, "story.block_remains")
    assert "circulation" in r.json()["detail"]
    body = {"scope": "phq_admin", "public_channels": ["x"]}
    r = await approve(running, APPROVER, story_id, body)
    assert r.status_code == 409 and r.json()["code"] == "story.block_remains"
    assert "x" in r.json()["detail"]

    # One click each: every block finding replaced, the new version gated again.
    redacted = {}
    for channel in ("circulation", "x"):
        async with client(running, WRITER) as c:
            r = await c.post(f"/api/v1/stories/{story_id}/versions/{channel}/1/redact", json={})
        assert r.status_code == 201, r.text
        redacted[channel] = r.json()
        assert (r.json()["n"], r.json()["redacted_from"]) == (2, 1)
        assert r.json()["gate_verdict"] == "review"  # the accused's name is left to the approver
    assert "रामपुरा" not in redacted["x"]["text"] and "[हटाया गया]" in redacted["x"]["text"]
    async with client(running, APPROVER) as c:
        r = await c.get(
            f"/api/v1/stories/{story_id}/versions/circulation/diff", params={"from": 1, "to": 2}
        )
    assert r.status_code == 200, r.text
    (part,) = [p for p in r.json()["parts"] if p["changed"]]
    assert part["part"] == "body_hi"
    removed = {o["before"] for o in part["ops"] if o["op"] != "equal"}
    assert any("रामपुरा" in b for b in removed) and any("मोहनलाल" in b for b in removed)

    r = await approve(running, APPROVER, story_id, {"scope": "district", "public_channels": ["x"]})
    assert r.status_code == 409
    _hindi(r, "story.review_unacknowledged")

    reason = "आरोपी की गिरफ़्तारी सार्वजनिक है; नाम देना आवश्यक है"
    for channel in ("circulation", "x"):
        (i,) = [f["index"] for f in redacted[channel]["findings"] if f["verdict"] == "review"]
        async with client(running, PRO) as c:  # only an approver acknowledges
            ack = {"channel": channel, "version": 2, "finding": i, "reason": reason}
            r = await c.post(f"/api/v1/stories/{story_id}/acknowledgements", json=ack)
            assert r.status_code == 403
        async with client(running, APPROVER) as c:
            r = await c.post(
                f"/api/v1/stories/{story_id}/acknowledgements", json={**ack, "reason": " "}
            )
            assert r.status_code == 422 and r.json()["code"] == "story.reason_required"
            r = await c.post(f"/api/v1/stories/{story_id}/acknowledgements", json=ack)
            assert r.status_code == 201, r.text
            assert (r.json()["by"], r.json()["reason"]) == (APPROVER[0], reason)

    key = str(uuid.uuid4())
    approval = {"scope": "district", "public_channels": ["x"], "versions": {"circulation": 2}}
    first = await approve(running, APPROVER, story_id, approval, key)
    assert first.status_code == 200, first.text
    again = await approve(running, APPROVER, story_id, approval, key)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    r = await approve(running, ADG, story_id, approval)  # a second approval: refused, no events
    assert r.status_code == 409 and r.json()["code"] == "story.not_in_review"
    done = first.json()
    assert done["state"] == "approved"
    assert done["approval"]["versions"] == {"circulation": 2, "x": 2}
    assert [(p["channel"], p["version"], p["state"]) for p in done["posts"]] == [
        ("x", 2, "requested")
    ]

    await _the_events_are_emitted_once(kafka_bootstrap, story_id, redacted)
    await _the_audit_shows_who_acknowledged_what_and_why(running, story_id, reason)


async def _the_events_are_emitted_once(
    bootstrap: str, story_id: str, redacted: dict[str, Any]
) -> None:
    async def story_events() -> list[Any]:
        return await _story_records(bootstrap, topics.STORY_EVENTS, story_id)

    async def publish_requests() -> list[Any]:
        return await _story_records(bootstrap, topics.PUBLISH_REQUESTS, story_id)

    await wait_for(lambda: _at_least(story_events, 5))
    await wait_for(lambda: _at_least(publish_requests, 1))
    records = await story_events()
    types = [dict(r.headers)["ce_type"].decode() for r in records]
    assert types == [
        event_types.STORY_SUBMITTED,
        event_types.STORY_FORWARDED,
        event_types.STORY_FORWARDED,
        event_types.STORY_APPROVED,
        event_types.STORY_CIRCULATION_REQUESTED,
    ]
    approved = json.loads(records[3].value or b"{}")
    assert approved["author_id"] == CONSTABLE[0]
    assert (approved["scope"], approved["public_channels"]) == ("district", ["x"])
    circulation = json.loads(records[4].value or b"{}")
    assert circulation["body"]["hi"] == redacted["circulation"]["body"]["hi"]
    assert (circulation["district_id"], circulation["range_id"]) == ("DST-KT", "RNG-JAIPUR")
    assert circulation["approved_by"] == APPROVER[0]
    raw = b"".join(r.value or b"" for r in records).decode()
    assert "रामपुरा" not in raw and "77/2026" not in raw
    (request,) = await publish_requests()
    post = json.loads(request.value or b"{}")
    assert dict(request.headers)["ce_type"].decode() == event_types.PUBLISH_REQUESTED
    assert (post["channel"], post["version"], post["media"]) == ("x", 2, [])
    assert post["text"] == redacted["x"]["text"]
    assert request.key == post["post_id"].encode()


async def _at_least(read: Any, n: int) -> bool:
    return len(await read()) >= n


async def _the_audit_shows_who_acknowledged_what_and_why(
    running: Running, story_id: str, reason: str
) -> None:
    conn = await asyncpg.connect(running.database)
    try:
        rows = await conn.fetch(
            "SELECT member_id, action, status, outcome FROM audit_log WHERE path = $1 ORDER BY id",
            f"/api/v1/stories/{story_id}/acknowledgements",
        )
    finally:
        await conn.close()
    allowed = [tuple(r) for r in rows if r["outcome"] == "allowed"]
    assert allowed == [(APPROVER[0], "story.approve", 201, "allowed")] * 2
    async with client(running, CONSTABLE) as c:
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    steps = next(s for s in mine if s["id"] == story_id)["steps"]
    acks = [s for s in steps if s["action"] == "acknowledged"]
    assert [a["by"] for a in acks] == [APPROVER[0]] * 2
    assert all("accused_named" in a["note"] and reason in a["note"] for a in acks)
    async with client(running, ADG) as c:
        seen = (await c.get(f"/api/v1/stories/{story_id}/versions", params={"channel": "x"})).json()
    (x2,) = [v for v in seen["items"] if v["n"] == 2]
    assert [(a["by"], a["rule"], a["reason"]) for a in x2["acknowledgements"]] == [
        (APPROVER[0], "accused_named", reason)
    ]


async def produce(bootstrap: str, topic: str, events: list[BaseModel]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for data in events:
            spec = spec_for_model(type(data))
            now = format_time(datetime.now(UTC))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(str(uuid.uuid4()), spec.type, "/nazar/social-publisher", now),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def test_publish_results_show_on_the_story_and_a_stray_one_goes_to_the_dlq(
    running: Running, kafka_bootstrap: str, results_topic: str
) -> None:
    story_id = await at_phq(running)
    await write(
        running,
        WRITER,
        story_id,
        "circulation",
        {"title": {"hi": "शीर्षक"}, "body": {"hi": "गिरोह पकड़ा गया।"}},
    )
    await write(running, WRITER, story_id, "facebook", {"text": "तिजारा पुलिस ने गिरोह पकड़ा।"})
    await write(running, WRITER, story_id, "instagram", {"text": "तिजारा पुलिस #राजस्थान_पुलिस"})
    body = {"scope": "state", "public_channels": ["facebook", "instagram"]}
    r = await approve(running, APPROVER, story_id, body)
    assert r.status_code == 200, r.text
    posts = {p["channel"]: p["post_id"] for p in r.json()["posts"]}
    now = datetime.now(UTC)
    stray = str(uuid.uuid4())
    await produce(
        kafka_bootstrap,
        results_topic,
        [
            PublishPosted(
                post_id=posts["facebook"], story_id=story_id, channel=PublicChannel.FACEBOOK,
                provider_post_id="1234_5678", public_url="https://www.facebook.com/1234_5678",
                at=now,
            ),
            PublishFailed(
                post_id=posts["instagram"], story_id=story_id, channel=PublicChannel.INSTAGRAM,
                reason="छवि का अनुपात 4:5 से 1.91:1 के बीच नहीं है", retryable=False, at=now,
            ),
            PublishFailed(
                post_id=stray, story_id=story_id, channel=PublicChannel.X,
                reason="no such post", retryable=False, at=now,
            ),
        ],
    )  # fmt: skip

    async def answered() -> bool:
        async with client(running, CONSTABLE) as c:
            mine = (await c.get("/api/v1/stories/mine")).json()["items"]
        shown = next(s for s in mine if s["id"] == story_id)["posts"]
        return {p["state"] for p in shown} == {"posted", "failed"}

    await wait_for(answered)
    async with client(running, CONSTABLE) as c:
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    shown = {p["channel"]: p for p in next(s for s in mine if s["id"] == story_id)["posts"]}
    assert shown["facebook"]["public_url"] == "https://www.facebook.com/1234_5678"
    assert shown["instagram"]["reason"].startswith("छवि का अनुपात")
    assert shown["instagram"]["retryable"] is False

    async def dead_lettered() -> bool:
        dlq = await read_topic(kafka_bootstrap, f"{results_topic}.dlq")
        return any(json.loads(r.value or b"{}").get("post_id") == stray for r in dlq)

    await wait_for(dead_lettered)
