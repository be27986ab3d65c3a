"""The PHQ cell's creatives on a real PostgreSQL: checked against each network's rules, a new one
replaces the channel's previous one (kept as history, versioned), what a publish request carries;
the approver's "no person identifiable" confirmation on a marked story, audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from nazar_contracts.stories import PublicChannel
from story_intake.handlers.media_links import MediaLinks, creatives_for_publish
from story_intake.settings import StoryIntakeSettings

from tests.integration.platform.support import wait_for
from tests.integration.story_intake.test_api import Running
from tests.integration.story_intake.test_photos import client, fetch, problem, upload
from tests.integration.story_intake.test_photos import running as running  # noqa: PLC0414
from tests.integration.story_intake.test_stories import CO, SP, STORY, WRITER
from tests.unit.story_intake.images import plain

DESIGNER = ("M-DESIGNER-1", "graphics_designer:RJ")
APPROVER = ("M-SPPHQ-1", "sp_phq_crime:RJ")
Api = tuple[Running, StoryIntakeSettings]


async def at_phq(api: Running, photo: bytes | None = None) -> str:
    """A constable's story, with a photo if given, forwarded by the CO and the SP to PHQ."""
    async with client(api) as c:
        r = await c.post("/api/v1/stories", json={**STORY, "submit": False})
        story_id = str(r.json()["id"])
    if photo:
        assert (await upload(api, story_id, photo)).status_code == 201
    async with client(api) as c:
        assert (await c.post(f"/api/v1/stories/{story_id}/submit")).status_code == 200
    for who in (CO, SP):
        async with client(api, who) as c:
            r = await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": "forward"})
            assert r.status_code == 200, r.text
    return story_id


async def creative(
    api: Running, story_id: str, channel: str, data: bytes, who: tuple[str, ...] = DESIGNER,
    lang: str = "en",
) -> httpx.Response:  # fmt: skip
    async with client(api, who, lang) as c:
        return await c.post(
            f"/api/v1/stories/{story_id}/creatives/{channel}",
            files={"file": ("creative.png", data, "image/png")},
        )


async def test_a_creative_is_checked_against_the_networks_rules(running: Api) -> None:
    api, _ = running
    story_id = await at_phq(api)
    tall = await creative(api, story_id, "instagram", plain(500, 1000), lang="hi")
    body = problem(tall, 422, "creative.aspect")
    assert "0.50" in str(body["detail"]) and "0.80" in str(body["detail"])
    ok = await creative(api, story_id, "instagram", plain(800, 1000))
    assert ok.status_code == 201, ok.text
    assert (ok.json()["channel"], ok.json()["version"], ok.json()["width"]) == ("instagram", 1, 800)
    problem(await creative(api, story_id, "x", plain(3100, 1000)), 422, "creative.aspect")
    problem(
        await creative(api, story_id, "tiktok", plain(800, 800)), 404, "creative.unknown_channel"
    )
    assert (await creative(api, story_id, "x", plain(1200, 675))).status_code == 201


async def test_a_new_creative_replaces_the_old_which_stays_as_history(running: Api) -> None:
    api, settings = running
    story_id = await at_phq(api)
    first = (await creative(api, story_id, "facebook", plain(1200, 630, (10, 10, 10)))).json()
    second = (
        await creative(api, story_id, "facebook", plain(1200, 630, (20, 20, 20)), WRITER)
    ).json()
    assert second["version"] == 2 and second["added_by"] == WRITER[0]
    async with client(api, DESIGNER) as c:
        live = (await c.get(f"/api/v1/stories/{story_id}/photos")).json()["items"]
        history = (await c.get(f"/api/v1/stories/{story_id}/photos?history=true")).json()["items"]
    assert [m["id"] for m in live] == [second["id"]]
    old = next(m for m in history if m["id"] == first["id"])
    assert old["replaced_at"] is not None and old["version"] == 1
    # What job B's publish request carries: the live creative only, with a signed URL that works.
    conn = await asyncpg.connect(api.database)
    try:
        media = await creatives_for_publish(
            conn, uuid.UUID(story_id), PublicChannel.FACEBOOK, MediaLinks.of(settings),
            datetime.now(UTC),
        )  # fmt: skip
    finally:
        await conn.close()
    assert [(m.sha256, m.size, m.media_type) for m in media] == [
        (second["sha256"], second["size"], "image/png")
    ]
    assert (await fetch(api, media[0].url)).status_code == 200


@pytest.mark.parametrize(
    ("who", "code"), [(CO, "media.not_cell"), (SP, "media.not_cell")], ids=["co", "sp"]
)
async def test_only_the_cell_adds_creatives(running: Api, who: tuple[str, ...], code: str) -> None:
    api, _ = running
    story_id = await at_phq(api)
    problem(await creative(api, story_id, "x", plain(1200, 675), who, "hi"), 403, code)


async def test_a_creative_waits_for_phq(running: Api) -> None:
    api, _ = running
    async with client(api) as c:
        r = await c.post("/api/v1/stories", json={**STORY, "submit": True})
    story_id = r.json()["id"]
    problem(await creative(api, story_id, "x", plain(1200, 675)), 409, "media.not_at_phq")


async def test_the_approver_confirms_no_person_identifiable_on_a_marked_story(
    running: Api,
) -> None:
    api, _ = running
    story_id = await at_phq(api, plain(120, 90, (1, 2, 3)))
    async with client(api, APPROVER) as c:
        photo = (await c.get(f"/api/v1/stories/{story_id}/photos")).json()["items"][0]
    url = f"/api/v1/stories/{story_id}/photos/{photo['id']}/confirm-unidentifiable"
    reason = {"reason": "चेहरे धुंधले हैं; केवल बरामद मोटरसाइकिलें दिखती हैं"}
    async with client(api, APPROVER, "hi") as c:
        problem(await c.post(url, json=reason), 409, "media.not_marked")
    conn = await asyncpg.connect(api.database)
    try:
        await conn.execute(
            "UPDATE stories SET sexual_offence = true WHERE id = $1", uuid.UUID(story_id)
        )
        async with client(api, DESIGNER) as c:
            problem(await c.post(url, json=reason), 403, "access.forbidden")
        async with client(api, APPROVER) as c:
            problem(await c.post(url, json={"reason": "   "}), 422, "media.reason_required")
            r = await c.post(url, json=reason)
        assert r.status_code == 200, r.text
        confirmed = r.json()["unidentifiable"]
        assert (confirmed["by"], confirmed["by_role"]) == (APPROVER[0], "sp_phq_crime")
        assert confirmed["reason"] == reason["reason"]

        async def audited() -> bool:
            rows = await conn.fetch(
                "SELECT status, outcome FROM audit_log WHERE member_id = $1 "
                "AND path LIKE '%/confirm-unidentifiable'",
                APPROVER[0],
            )
            return (200, "allowed") in {(r["status"], r["outcome"]) for r in rows}

        await wait_for(audited, within=10)
    finally:
        await conn.close()
