"""The PHQ cell's rules on a real PostgreSQL and Kafka: marks, who may approve what they wrote,
the networks' limits and live checks, a retried write, the per-image confirmation a marked story
needs before it goes public, and what a bare `approve` decision sends.

The service, its topics and helpers are `test_cell.py`'s (one service per module).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import httpx
from nazar_contracts import event_types, topics

from tests.integration.platform.support import wait_for
from tests.integration.story_intake.test_api import Running
from tests.integration.story_intake.test_cell import (
    ADG,
    APPROVER,
    _at_least,
    _hindi,
    _story_records,
    approve,
    at_phq,
    client,
    write,
)
from tests.integration.story_intake.test_cell import results_topic as results_topic  # noqa: PLC0414
from tests.integration.story_intake.test_cell import running as running  # noqa: PLC0414
from tests.integration.story_intake.test_stories import (
    CO,
    CONSTABLE,
    SP,
    STORY,
    WRITER,
)
from tests.unit.story_intake.images import plain


async def test_marks_are_set_by_any_reviewer_and_cleared_only_by_an_approver_with_a_reason(
    running: Running,
) -> None:
    story_id = await at_phq(running)
    mark = {"mark": "child_involved", "set": True}
    async with client(running, WRITER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/marks", json=mark)
        assert r.status_code == 200 and r.json()["child_involved"] is True, r.text
        r = await c.post(f"/api/v1/stories/{story_id}/marks", json={**mark, "set": False})
        assert r.status_code == 403 and r.json()["code"] == "story.not_approver"
    async with client(running, APPROVER, language="hi") as c:
        r = await c.post(f"/api/v1/stories/{story_id}/marks", json={**mark, "set": False})
        assert r.status_code == 422
        _hindi(r, "story.reason_required")
        clear = {**mark, "set": False, "reason": "कहानी में कोई बालक नहीं है"}
        r = await c.post(f"/api/v1/stories/{story_id}/marks", json=clear)
        assert r.status_code == 200 and r.json()["child_involved"] is False
    async with client(running, CONSTABLE) as c:
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    steps = next(s for s in mine if s["id"] == story_id)["steps"]
    assert [(s["action"], s["by"]) for s in steps[-2:]] == [
        ("mark_set", WRITER[0]), ("mark_cleared", APPROVER[0])
    ]  # fmt: skip
    assert steps[-1]["note"] == "child_involved: कहानी में कोई बालक नहीं है"


async def test_who_wrote_a_version_does_not_approve_it_and_limits_are_counted(
    running: Running,
) -> None:
    story_id = await at_phq(running)
    await write(
        running,
        APPROVER,
        story_id,
        "circulation",
        {"title": {"en": "Gang caught"}, "body": {"en": "Tijara police caught a gang."}},
    )
    long_x = await write(running, WRITER, story_id, "x", {"text": "तिजारा पुलिस " * 30})
    assert long_x["measure"]["too_long"] and long_x["measure"]["length"] == 13 * 30
    r = await approve(running, APPROVER, story_id, {"scope": "phq_admin"})
    assert r.status_code == 403
    _hindi(r, "story.own_version")
    r = await approve(running, ADG, story_id, {"scope": "phq_admin", "public_channels": ["x"]})
    assert r.status_code == 422
    _hindi(r, "story.too_long")
    assert "390" in r.json()["detail"] and "280" in r.json()["detail"]
    r = await approve(
        running, ADG, story_id, {"scope": "phq_admin", "public_channels": ["instagram"]}
    )
    assert r.status_code == 422 and r.json()["code"] == "story.no_version"
    r = await approve(running, ADG, story_id, {"scope": "range"})
    assert r.status_code == 200, r.text


async def test_live_checks_count_as_the_network_and_gate_without_storing(running: Running) -> None:
    async with client(running, WRITER) as c:
        text = "दुष्कर्म की पीड़िता ग्राम रामपुरा की है। देखें https://police.rajasthan.gov.in/" + "क" * 250
        r = await c.post("/api/v1/editor/check", json={"channel": "x", "text": text})
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["measure"]["length"] == len(text) - len("https://police.rajasthan.gov.in/") + 23
        assert out["measure"]["too_long"] is True
        assert out["gate_verdict"] == "block"
        r = await c.post("/api/v1/editor/check", json={"channel": "tiktok", "text": "x"})
        assert r.status_code == 404 and r.json()["code"] == "story.unknown_channel"
        r = await c.post(
            "/api/v1/editor/check", json={"channel": "instagram", "text": "#a #b #c #d #e #f"}
        )
        assert r.json()["measure"]["too_many_hashtags"] is True
    async with client(running, CONSTABLE) as c:
        r = await c.post("/api/v1/editor/check", json={"channel": "x", "text": "x"})
        assert r.status_code == 403


async def test_a_retried_write_makes_one_version_and_an_unknown_channel_is_a_problem(
    running: Running,
) -> None:
    story_id = await at_phq(running)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    text = {"text": "तिजारा पुलिस ने वाहन चोर गिरोह पकड़ा।"}
    async with client(running, WRITER) as c:
        first = await c.post(f"/api/v1/stories/{story_id}/versions/x", json=text, headers=key)
        again = await c.post(f"/api/v1/stories/{story_id}/versions/x", json=text, headers=key)
        assert first.status_code == again.status_code == 201, again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        seen = (await c.get(f"/api/v1/stories/{story_id}/versions")).json()
        assert [(v["channel"], v["n"]) for v in seen["items"]] == [("x", 1)]
    async with client(running, WRITER, language="hi") as c:
        r = await c.post(f"/api/v1/stories/{story_id}/versions/tiktok", json=text)
        assert r.status_code == 404
        _hindi(r, "story.unknown_channel")
        r = await c.get(f"/api/v1/stories/{story_id}/versions/x/7")
        assert r.status_code == 404
        _hindi(r, "story.no_such_version")


async def test_a_marked_story_goes_public_only_with_every_image_confirmed_and_its_creative(
    running: Running, kafka_bootstrap: str
) -> None:
    """A photo of the field and the Instagram creative: the story is marked, so each must be
    confirmed by the approver; the publish request then names the creative by sha256 and a
    signed URL that serves it."""
    async with client(running, CONSTABLE) as c:
        r = await c.post("/api/v1/stories", json={**STORY, "submit": False})
        story_id = str(r.json()["id"])
        files = {"file": ("field.png", plain(800, 600), "image/png")}
        r = await c.post(f"/api/v1/stories/{story_id}/photos", files=files)
        assert r.status_code == 201, r.text
        r = await c.post(f"/api/v1/stories/{story_id}/submit")
        assert r.status_code == 200, r.text
    for who in (CO, SP):
        async with client(running, who) as c:
            r = await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": "forward"})
            assert r.status_code == 200, r.text
    async with client(running, WRITER) as c:
        r = await c.post(
            f"/api/v1/stories/{story_id}/marks", json={"mark": "child_involved", "set": True}
        )
        assert r.status_code == 200, r.text
        files = {"file": ("post.png", plain(1080, 1080), "image/png")}
        r = await c.post(f"/api/v1/stories/{story_id}/creatives/instagram", files=files)
        assert r.status_code == 201, r.text
        creative = r.json()
    await write(
        running,
        WRITER,
        story_id,
        "circulation",
        {"title": {"hi": "गिरोह पकड़ा"}, "body": {"hi": "तिजारा पुलिस ने गिरोह पकड़ा।"}},
    )
    await write(running, WRITER, story_id, "instagram", {"text": "तिजारा पुलिस #राजस्थान_पुलिस"})
    body = {"scope": "district", "public_channels": ["instagram"]}
    r = await approve(running, APPROVER, story_id, body)
    assert r.status_code == 409
    _hindi(r, "story.images_unconfirmed")
    assert "2" in r.json()["detail"]
    async with client(running, APPROVER) as c:
        images = (await c.get(f"/api/v1/stories/{story_id}/photos")).json()["items"]
        assert len(images) == 2
        for image in images:
            r = await c.post(
                f"/api/v1/stories/{story_id}/photos/{image['id']}/confirm-unidentifiable",
                json={"reason": "केवल वाहन दिख रहे हैं, कोई व्यक्ति नहीं"},
            )
            assert r.status_code == 200, r.text
    r = await approve(running, APPROVER, story_id, body)
    assert r.status_code == 200, r.text

    async def requests() -> list[Any]:
        return await _story_records(kafka_bootstrap, topics.PUBLISH_REQUESTS, story_id)

    await wait_for(lambda: _at_least(requests, 1))
    (request,) = await requests()
    (media,) = json.loads(request.value or b"{}")["media"]
    assert (media["sha256"], media["media_type"]) == (creative["sha256"], "image/png")
    async with httpx.AsyncClient(timeout=30) as c:
        got = await c.get(media["url"].replace("http://127.0.0.1:19104", running.url))
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == media["sha256"]


async def test_a_bare_approve_sends_the_field_text_to_the_phq_admin_group_only(
    running: Running, kafka_bootstrap: str
) -> None:
    story_id = await at_phq(running)
    async with client(running, APPROVER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": "approve"})
    assert r.status_code == 200, r.text
    async with client(running, APPROVER) as c:
        seen = (await c.get(f"/api/v1/stories/{story_id}/versions")).json()
    assert seen["approval"]["scope"] == "phq_admin" and seen["approval"]["public_channels"] == []
    assert seen["approval"]["versions"] == {"circulation": 0}  # the field text

    async def circulation() -> list[Any]:
        return [
            r for r in await _story_records(kafka_bootstrap, topics.STORY_EVENTS, story_id)
            if dict(r.headers)["ce_type"].decode() == event_types.STORY_CIRCULATION_REQUESTED
        ]  # fmt: skip

    await wait_for(lambda: _at_least(circulation, 1))
    (event,) = await circulation()
    sent = json.loads(event.value or b"{}")
    assert sent["scope"] == "phq_admin" and sent["title"]["hi"] == STORY["title"]["hi"]  # type: ignore[index]
    assert "412/2026" not in (event.value or b"").decode()  # never the case reference
