"""After approval, on a real PostgreSQL and Kafka: the approver's choice for a long X version
(a numbered thread or refused) in the publish request; the publisher's answers on the story's
posts (account, every thread part's address, the network's code and words), applied once
however often they arrive and never backwards; withdrawing a post (X through the API, Instagram
by hand with a confirmation), refused in Hindi where it cannot be; and the stopped accounts.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from nazar_contracts import event_types, topics
from nazar_contracts.publish import (
    PublishAccountResumed,
    PublishAccountStopped,
    PublishFailed,
    PublishPosted,
    PublishWithdrawalFailed,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
    WithdrawalMethod,
)
from nazar_contracts.registry import spec_for_model
from nazar_contracts.stories import PublicChannel
from nazar_platform.kafka.cloudevents import format_time, headers_for
from pydantic import BaseModel

from tests.integration.platform.support import read_topic, wait_for
from tests.integration.story_intake.test_api import Running
from tests.integration.story_intake.test_cell import APPROVER, approve, at_phq, client, write
from tests.integration.story_intake.test_cell import results_topic as results_topic  # noqa: PLC0414
from tests.integration.story_intake.test_cell import running as running  # noqa: PLC0414
from tests.integration.story_intake.test_stories import CO, WRITER
from tests.unit.story_intake.test_posts import LONG_HI

ADG = ("M-ADG-1", "adg:RJ")
CIRC = {"title": {"hi": "साइबर ठग गिरोह पकड़ा"}, "body": {"hi": "जयपुर पुलिस ने साइबर ठग पकड़े।"}}
X_IDS = ["1861000000000000001", "1861000000000000002"]
X_URL = f"https://x.com/PoliceRajasthan/status/{X_IDS[0]}"


async def produce(bootstrap: str, topic: str, events: list[tuple[str, BaseModel]]) -> None:
    """Each event with the id given, so that a test can deliver one event twice."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event_id, data in events:
            spec = spec_for_model(type(data))
            now = format_time(datetime.now(UTC))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(event_id, spec.type, "/nazar/social-publisher", now),
            )
        await producer.flush()
    finally:
        await producer.stop()


def _id() -> str:
    return str(uuid.uuid4())


def _hindi(r: httpx.Response, status: int, code: str) -> None:
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any("\u0900" <= ch <= "\u097f" for ch in r.json()["title"] + r.json()["detail"])


async def _posts(running: Running, story_id: str) -> dict[str, dict[str, Any]]:
    async with client(running, WRITER) as c:
        r = await c.get(f"/api/v1/stories/{story_id}/versions")
    assert r.status_code == 200, r.text
    return {p["channel"]: p for p in r.json()["posts"]}


async def _until(running: Running, story_id: str, check: Any) -> dict[str, dict[str, Any]]:
    async def ok() -> bool:
        return bool(check(await _posts(running, story_id)))

    await wait_for(ok)
    return await _posts(running, story_id)


async def _requests_for(bootstrap: str, post_id: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for r in await read_topic(bootstrap, topics.PUBLISH_REQUESTS):
        if r.key == post_id.encode():
            out.append((dict(r.headers)["ce_type"].decode(), json.loads(r.value or b"{}")))
    return out


async def _approved(running: Running, channels: dict[str, str], overflow: str = "refuse") -> str:
    story_id = await at_phq(running)
    await write(running, WRITER, story_id, "circulation", CIRC)
    for channel, text in channels.items():
        await write(running, WRITER, story_id, channel, {"text": text})
    body = {"scope": "phq_admin", "public_channels": list(channels), "overflow": overflow}
    r = await approve(running, APPROVER, story_id, body)
    assert r.status_code == 200, r.text
    return story_id


async def test_a_long_x_version_goes_as_a_thread_only_when_the_approver_chose_it(
    running: Running, kafka_bootstrap: str
) -> None:
    async with client(running, WRITER) as c:
        r = await c.post("/api/v1/editor/check", json={"channel": "x", "text": LONG_HI})
    assert r.json()["measure"]["too_long"] is True
    assert r.json()["measure"]["thread_parts"] == 2

    story_id = await at_phq(running)
    await write(running, WRITER, story_id, "circulation", CIRC)
    await write(running, WRITER, story_id, "x", {"text": LONG_HI})
    body: dict[str, Any] = {"scope": "phq_admin", "public_channels": ["x"]}
    refused = await approve(running, APPROVER, story_id, body)  # the default: refuse
    _hindi(refused, 422, "story.too_long")
    r = await approve(running, APPROVER, story_id, {**body, "overflow": "thread"})
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["overflow"] == "thread"
    (post,) = r.json()["posts"]
    assert (post["channel"], post["overflow"]) == ("x", "thread")

    async def asked() -> bool:
        return bool(await _requests_for(kafka_bootstrap, post["post_id"]))

    await wait_for(asked)
    ((kind, request),) = await _requests_for(kafka_bootstrap, post["post_id"])
    assert kind == event_types.PUBLISH_REQUESTED
    assert (request["overflow"], request["text"]) == ("thread", LONG_HI)


async def test_answers_apply_once_never_backwards_and_a_stray_one_is_dead_lettered(
    running: Running, kafka_bootstrap: str, results_topic: str
) -> None:
    story_id = await _approved(
        running, {"x": "गिरोह पकड़ा", "facebook": "तिजारा पुलिस ने गिरोह पकड़ा।"}
    )
    ids = {c: p["post_id"] for c, p in (await _posts(running, story_id)).items()}
    now = datetime.now(UTC)
    posted = PublishPosted(
        post_id=ids["x"], story_id=story_id, channel=PublicChannel.X, provider_post_id=X_IDS[0],
        public_url=X_URL, at=now, account_id="x-state", thread_post_ids=X_IDS,
    )  # fmt: skip
    blocked = PublishFailed(
        post_id=ids["facebook"], story_id=story_id, channel=PublicChannel.FACEBOOK,
        reason="फ़ेसबुक ने नीति उल्लंघन के संदेह में पेज को अस्थायी रूप से रोका है",
        provider_code="368", retryable=False, at=now, account_id="fb-state",
    )  # fmt: skip
    late = PublishFailed(
        post_id=ids["x"], story_id=story_id, channel=PublicChannel.X, reason="समय समाप्त",
        retryable=True, at=now - timedelta(seconds=5),
    )  # fmt: skip
    stray = PublishWithdrawn(
        post_id=_id(), story_id=story_id, channel=PublicChannel.X,
        method=WithdrawalMethod.API, at=now,
    )  # fmt: skip
    twice = _id()
    await produce(
        kafka_bootstrap,
        results_topic,
        [(twice, posted), (twice, posted), (_id(), blocked), (_id(), late), (_id(), stray)],
    )
    shown = await _until(
        running,
        story_id,
        lambda p: p["x"]["state"] == "posted" and p["facebook"]["state"] != "requested",
    )
    x, fb = shown["x"], shown["facebook"]
    assert (x["state"], x["account_id"], x["provider_post_id"]) == ("posted", "x-state", X_IDS[0])
    assert x["public_urls"] == [f"https://x.com/PoliceRajasthan/status/{i}" for i in X_IDS]
    assert (x["reason"], x["provider_code"]) == (None, None)  # the late failure undid nothing
    assert (fb["state"], fb["provider_code"], fb["account_id"]) == ("failed", "368", "fb-state")
    assert fb["reason"].startswith("फ़ेसबुक ने नीति")

    async def dead_lettered() -> bool:
        dlq = await read_topic(kafka_bootstrap, f"{results_topic}.dlq")
        return any(json.loads(r.value or b"{}").get("post_id") == stray.post_id for r in dlq)

    await wait_for(dead_lettered)
    conn = await asyncpg.connect(running.database)
    try:  # the event delivered twice was applied once
        applied = await conn.fetchval(
            "SELECT count(*) FROM processed_events WHERE event_id = $1", twice
        )
    finally:
        await conn.close()
    assert applied == 1


async def test_an_x_post_is_withdrawn_through_the_api_and_refusals_are_in_hindi(
    running: Running, kafka_bootstrap: str, results_topic: str
) -> None:
    story_id = await _approved(running, {"x": "गिरोह पकड़ा", "facebook": "गिरोह पकड़ा गया।"})
    ids = {c: p["post_id"] for c, p in (await _posts(running, story_id)).items()}
    x_path = f"/api/v1/stories/{story_id}/posts/{ids['x']}/withdraw"
    fb_path = f"/api/v1/stories/{story_id}/posts/{ids['facebook']}/withdraw"
    reason = "पोस्ट में गलत तस्वीर लगी है"
    async with client(running, ADG, language="hi") as c:
        _hindi(await c.post(x_path, json={"reason": reason}), 409, "post.not_posted")
    now = datetime.now(UTC)
    await produce(kafka_bootstrap, results_topic, [
        (_id(), PublishPosted(post_id=ids["x"], story_id=story_id, channel=PublicChannel.X,
                              provider_post_id=X_IDS[0], public_url=X_URL, at=now)),
        (_id(), PublishPosted(post_id=ids["facebook"], story_id=story_id,
                              channel=PublicChannel.FACEBOOK, provider_post_id="1_2",
                              public_url="https://www.facebook.com/1_2", at=now)),
    ])  # fmt: skip
    await _until(running, story_id, lambda p: {q["state"] for q in p.values()} == {"posted"})

    async with client(running, WRITER, language="hi") as c:  # the cell's writer does not
        r = await c.post(x_path, json={"reason": reason})
        assert (r.status_code, r.json()["code"]) == (403, "access.forbidden")
    key = _id()
    async with client(running, ADG, language="hi") as c:
        _hindi(await c.post(x_path, json={"reason": "  "}), 422, "post.reason_required")
        _hindi(await c.post(x_path, json={}), 422, "post.reason_required")
        wrong = f"/api/v1/stories/{story_id}/posts/{_id()}/withdraw"
        _hindi(await c.post(wrong, json={"reason": reason}), 404, "post.not_found")
        first = await c.post(x_path, json={"reason": reason}, headers={"Idempotency-Key": key})
        assert first.status_code == 200, first.text
        again = await c.post(x_path, json={"reason": reason}, headers={"Idempotency-Key": key})
        assert again.headers.get("Idempotent-Replayed") == "true"
        _hindi(await c.post(x_path, json={"reason": reason}), 409, "post.withdrawal_pending")
    w = first.json()["withdrawal"]
    assert (w["state"], w["reason"], w["by"], w["by_role"]) == ("requested", reason, ADG[0], "adg")

    async def asked() -> bool:
        kinds = [k for k, _ in await _requests_for(kafka_bootstrap, ids["x"])]
        return event_types.PUBLISH_WITHDRAWAL_REQUESTED in kinds

    await wait_for(asked)
    sent = [d for k, d in await _requests_for(kafka_bootstrap, ids["x"])
            if k == event_types.PUBLISH_WITHDRAWAL_REQUESTED]  # fmt: skip
    assert len(sent) == 1  # the replay asked nothing again
    assert (sent[0]["reason"], sent[0]["requested_by"]) == (reason, ADG[0])

    # Facebook refuses to delete (a bad parameter): the failure in words, and it may be asked again.
    async with client(running, ADG, language="hi") as c:
        r = await c.post(fb_path, json={"reason": reason})
        assert r.status_code == 200, r.text
    later = datetime.now(UTC)
    await produce(kafka_bootstrap, results_topic, [
        (_id(), PublishWithdrawn(post_id=ids["x"], story_id=story_id, channel=PublicChannel.X,
                                 method=WithdrawalMethod.API, at=later)),
        (_id(), PublishWithdrawalFailed(post_id=ids["facebook"], story_id=story_id,
                                        channel=PublicChannel.FACEBOOK, provider_code="100",
                                        reason="फ़ेसबुक ने यह पोस्ट हटाने से मना किया: पोस्ट नहीं मिली",
                                        at=later)),
    ])  # fmt: skip
    shown = await _until(
        running, story_id,
        lambda p: p["x"]["withdrawal"]["state"] == "withdrawn"
        and p["facebook"]["withdrawal"]["state"] == "failed",
    )  # fmt: skip
    assert shown["x"]["withdrawal"]["method"] == "api"
    assert shown["facebook"]["withdrawal"]["failure_code"] == "100"
    assert shown["facebook"]["withdrawal"]["failure"].startswith("फ़ेसबुक ने")
    async with client(running, ADG, language="hi") as c:
        _hindi(await c.post(x_path, json={"reason": reason}), 409, "post.withdrawn")
        r = await c.post(fb_path, json={"reason": "दोबारा प्रयास"})
        assert (r.status_code, r.json()["withdrawal"]["state"]) == (200, "requested")
        assert r.json()["withdrawal"]["failure"] is None

    await _the_history_and_audit_name_who_and_why(running, story_id, reason)


async def _the_history_and_audit_name_who_and_why(
    running: Running, story_id: str, reason: str
) -> None:
    async with client(running, ADG) as c:
        steps = (await c.get(f"/api/v1/stories/{story_id}")).json()["steps"]
    notes = [s["note"] for s in steps if s["action"] == "withdraw_post"]
    assert notes == [f"x: {reason}", f"facebook: {reason}", "facebook: दोबारा प्रयास"]
    conn = await asyncpg.connect(running.database)
    try:
        rows = await conn.fetch(
            "SELECT member_id, action, status, outcome, grant_role FROM audit_log "
            "WHERE path LIKE $1 AND outcome = 'allowed' AND status = 200 ORDER BY id",
            f"/api/v1/stories/{story_id}/posts/%/withdraw",
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in rows][:1] == [(ADG[0], "story.approve", 200, "allowed", "adg")]


async def test_an_instagram_post_is_deleted_by_hand_and_the_approver_confirms(
    running: Running, kafka_bootstrap: str, results_topic: str
) -> None:
    story_id = await _approved(running, {"instagram": "तिजारा पुलिस #राजस्थान_पुलिस"})
    post_id = (await _posts(running, story_id))["instagram"]["post_id"]
    ig_url = "https://www.instagram.com/p/C0ffee123/"
    await produce(kafka_bootstrap, results_topic, [
        (_id(), PublishPosted(post_id=post_id, story_id=story_id, channel=PublicChannel.INSTAGRAM,
                              provider_post_id="17900000000000001", public_url=ig_url,
                              at=datetime.now(UTC), account_id="ig-state")),
    ])  # fmt: skip
    await _until(running, story_id, lambda p: p["instagram"]["state"] == "posted")
    base = f"/api/v1/stories/{story_id}/posts/{post_id}"
    reason = "पीड़िता की पहचान उजागर होने की आशंका"
    async with client(running, APPROVER, language="hi") as c:
        _hindi(await c.post(f"{base}/withdrawal/confirm"), 409, "post.no_withdrawal_task")
        r = await c.post(f"{base}/withdraw", json={"reason": reason})
        assert r.status_code == 200, r.text
        _hindi(await c.post(f"{base}/withdrawal/confirm"), 409, "post.no_withdrawal_task")
    task_id = _id()
    await produce(kafka_bootstrap, results_topic, [
        (_id(), PublishWithdrawalTaskOpened(post_id=post_id, story_id=story_id,
                                            channel=PublicChannel.INSTAGRAM, task_id=task_id,
                                            public_url=ig_url, reason=reason,
                                            at=datetime.now(UTC))),
    ])  # fmt: skip
    shown = await _until(
        running, story_id, lambda p: p["instagram"]["withdrawal"]["state"] == "task_open"
    )
    assert shown["instagram"]["withdrawal"]["task_id"] == task_id
    async with client(running, WRITER, language="hi") as c:
        r = await c.post(f"{base}/withdrawal/confirm")
        assert (r.status_code, r.json()["code"]) == (403, "access.forbidden")
    key = _id()
    async with client(running, APPROVER, language="hi") as c:
        r = await c.post(f"{base}/withdrawal/confirm", headers={"Idempotency-Key": key})
        assert r.status_code == 200, r.text
        w = r.json()["withdrawal"]
        assert (w["state"], w["confirmed_by"]) == ("confirmed", APPROVER[0])
        again = await c.post(f"{base}/withdrawal/confirm", headers={"Idempotency-Key": key})
        assert again.headers.get("Idempotent-Replayed") == "true"
        _hindi(await c.post(f"{base}/withdrawal/confirm"), 409, "post.withdrawal_confirmed")

    async def confirmed() -> bool:
        kinds = [k for k, _ in await _requests_for(kafka_bootstrap, post_id)]
        return event_types.PUBLISH_WITHDRAWAL_CONFIRMED in kinds

    await wait_for(confirmed)
    sent = await _requests_for(kafka_bootstrap, post_id)
    assert [k for k, _ in sent] == [
        event_types.PUBLISH_REQUESTED,
        event_types.PUBLISH_WITHDRAWAL_REQUESTED,
        event_types.PUBLISH_WITHDRAWAL_CONFIRMED,
    ]
    assert (sent[2][1]["task_id"], sent[2][1]["confirmed_by"]) == (task_id, APPROVER[0])
    await produce(kafka_bootstrap, results_topic, [
        (_id(), PublishWithdrawn(post_id=post_id, story_id=story_id,
                                 channel=PublicChannel.INSTAGRAM, method=WithdrawalMethod.BY_HAND,
                                 confirmed_by=APPROVER[0], at=datetime.now(UTC))),
    ])  # fmt: skip
    done = await _until(
        running, story_id, lambda p: p["instagram"]["withdrawal"]["state"] == "withdrawn"
    )
    assert done["instagram"]["withdrawal"]["method"] == "by_hand"


async def test_a_stopped_account_is_listed_until_it_resumes(
    running: Running, kafka_bootstrap: str, results_topic: str
) -> None:
    account = f"x-state-{uuid.uuid4().hex[:6]}"
    since = datetime.now(UTC).replace(microsecond=0)
    stop = PublishAccountStopped(
        account_id=account, channel=PublicChannel.X, account_name="राजस्थान पुलिस (@PoliceRajasthan)",
        reason="एक्स ने टोकन रद्द कर दिया: खाता फिर से जोड़ें", provider_code="invalid_grant",
        at=since,
    )  # fmt: skip
    stale = PublishAccountResumed(
        account_id=account, channel=PublicChannel.X, at=since - timedelta(minutes=5)
    )
    await produce(kafka_bootstrap, results_topic, [(_id(), stop), (_id(), stale)])

    async def listed() -> list[dict[str, Any]]:
        async with client(running, WRITER) as c:
            r = await c.get("/api/v1/publish/accounts")
        assert r.status_code == 200, r.text
        return [a for a in r.json()["items"] if a["account_id"] == account]

    async def stopped() -> bool:
        return bool(await listed())

    await wait_for(stopped)
    (shown,) = await listed()
    assert (shown["state"], shown["channel"], shown["provider_code"]) == (
        "stopped", "x", "invalid_grant"
    )  # fmt: skip
    assert shown["name"] == stop.account_name and shown["reason"] == stop.reason
    assert datetime.fromisoformat(shown["since"]) == since  # the older resumption changed nothing
    async with client(running, CO, language="hi") as c:
        r = await c.get("/api/v1/publish/accounts")
        _hindi(r, 403, "story.not_your_queue")
    resumed = PublishAccountResumed(
        account_id=account, channel=PublicChannel.X, at=since + timedelta(minutes=5)
    )
    await produce(kafka_bootstrap, results_topic, [(_id(), resumed)])

    async def gone() -> bool:
        return not await listed()

    await wait_for(gone)
