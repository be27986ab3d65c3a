"""Photos on a real PostgreSQL: a phone's JPEG comes back upright and without EXIF, PNG and WebP
too; a text file named .jpg, a bomb, an 11th photo and bodies past the limits are refused as
problems, leaving the story as it was; signed media URLs open until they expire and never when
forged; the retention sweep deletes the files of a withdrawn story but keeps those another story
uses."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from nazar_contracts import event_types
from nazar_platform.files import LocalFiles
from PIL import Image
from prometheus_client import REGISTRY
from story_intake.app import create
from story_intake.handlers.media_links import MediaLinks
from story_intake.handlers.retention import sweep
from story_intake.settings import UPLOAD_BODY_BYTES, StoryIntakeSettings
from story_intake.store import units

from tests.conftest import DatabaseFactory
from tests.integration.platform.http.server import serve
from tests.integration.story_intake.test_api import Running, token
from tests.integration.story_intake.test_stories import CONSTABLE, STORY, TREE
from tests.unit.story_intake.images import (
    RED,
    SERIAL,
    phone_jpeg,
    plain,
    png_bomb,
    png_with_metadata,
    webp_with_metadata,
)

OTHER_AUTHOR = ("M-CONST-2", "head_constable:PS-TIJARA")


@pytest.fixture(scope="module")
async def running(
    databases: DatabaseFactory, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Running, StoryIntakeSettings]]:
    database = await databases.create("story_photos")
    settings = StoryIntakeSettings(
        environment="test",
        database_url=database,  # pydantic makes it a SecretStr
        kafka_bootstrap=kafka_bootstrap,
        database_pool_min=1,
        database_pool_max=4,
        topic_units="test.story-intake.no-units",  # the tree is written directly below
        media_dir=tmp_path_factory.mktemp("story-media"),
        retention_interval=timedelta(hours=1),  # the test sweeps itself
        shutdown_timeout=timedelta(seconds=20),
    )
    async with serve(create(settings)) as url:
        conn = await asyncpg.connect(database)
        try:
            await units.upsert(conn, TREE)
        finally:
            await conn.close()
        yield Running(url, database), settings


def client(
    running: Running, who: tuple[str, ...] = CONSTABLE, lang: str = "en"
) -> httpx.AsyncClient:
    return running.client(token(*who), lang)


async def draft(running: Running, who: tuple[str, ...] = CONSTABLE) -> str:
    async with client(running, who) as c:
        r = await c.post("/api/v1/stories", json={**STORY, "submit": False})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


async def upload(
    running: Running, story_id: str, data: bytes, name: str = "photo.jpg",
    who: tuple[str, ...] = CONSTABLE, lang: str = "en", declared: str = "image/jpeg",
) -> httpx.Response:  # fmt: skip
    async with client(running, who, lang) as c:
        return await c.post(
            f"/api/v1/stories/{story_id}/photos", files={"file": (name, data, declared)}
        )


async def fetch(running: Running, url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as c:
        return await c.get(url.replace("http://127.0.0.1:19104", running.url))


async def photos_of(running: Running, story_id: str) -> list[dict[str, object]]:
    async with client(running) as c:
        r = await c.get(f"/api/v1/stories/{story_id}/photos")
        assert r.status_code == 200, r.text
        items: list[dict[str, object]] = r.json()["items"]
        return items


def problem(r: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = r.json()
    assert body["code"] == code
    return body


async def test_a_phone_jpeg_is_stored_upright_without_exif_and_served_signed(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, _ = running
    story_id = await draft(api)
    sent = phone_jpeg(400, 200, orientation=6)  # made once: its ICC profile carries a time
    r = await upload(api, story_id, sent, "IMG_0042.jpg")
    assert r.status_code == 201, r.text
    photo = r.json()
    assert (photo["kind"], photo["media_type"]) == ("photo", "image/jpeg")
    assert (photo["width"], photo["height"]) == (200, 400)
    stored = await fetch(api, photo["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(stored.content).hexdigest() == photo["sha256"]
    assert b"Exif" not in stored.content and SERIAL.encode() not in stored.content
    with Image.open(io.BytesIO(stored.content)) as image:
        assert not image.getexif() and "icc_profile" not in image.info
        rgb = image.convert("RGB")
        top, bottom = rgb.getpixel((100, 50)), rgb.getpixel((100, 350))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # red on top, blue below
    for key in ("thumb_url", "web_url"):
        rendition = await fetch(api, photo[key])
        assert rendition.status_code == 200 and b"Exif" not in rendition.content
    # The story carries it, and the same bytes again are the same photo.
    again = await upload(api, story_id, sent, "retry.jpg")
    assert again.status_code == 201 and again.json()["id"] == photo["id"]
    async with client(api) as c:
        mine = (await c.get("/api/v1/stories/mine")).json()["items"]
    [story] = [s for s in mine if s["id"] == story_id]
    assert [p["id"] for p in story["photos"]] == [photo["id"]]


@pytest.mark.parametrize(
    ("data", "media_type", "size"),
    [
        (png_with_metadata(), "image/png", (300, 200)),
        (webp_with_metadata(), "image/webp", (300, 200)),
    ],
    ids=["png", "webp"],
)
async def test_png_and_webp_are_taken_by_content_whatever_the_name(
    running: tuple[Running, StoryIntakeSettings],
    data: bytes,
    media_type: str,
    size: tuple[int, int],
) -> None:
    api, _ = running
    story_id = await draft(api)
    r = await upload(api, story_id, data, "फ़ोटो.jpg", declared="application/octet-stream")
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == media_type
    stored = await fetch(api, r.json()["url"])
    with Image.open(io.BytesIO(stored.content)) as image:
        assert image.size == size and not image.getexif()
        assert "Author" not in image.info and "icc_profile" not in image.info
        left = image.convert("RGB").getpixel((5, 100))
    assert isinstance(left, tuple) and abs(left[0] - RED[0]) < 40 and abs(left[2] - RED[2]) < 40


async def test_refused_uploads_leave_the_story_as_it_was(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, settings = running
    story_id = await draft(api)

    def refused(reason: str) -> float:
        labels = {"kind": "photo", "reason": reason}
        return REGISTRY.get_sample_value("nazar_story_media_refused_total", labels) or 0.0

    before = {r: refused(r) for r in ("wrong_type", "too_many_pixels", "unreadable", "too_large")}
    text = "यह फ़ोटो नहीं, एक पाठ फ़ाइल है।".encode()
    body = problem(
        await upload(api, story_id, text, "photo.jpg", lang="hi"), 415, "media.wrong_type"
    )
    assert "JPEG" in str(body["detail"]) and "गैलरी" in str(body["detail"])
    problem(await upload(api, story_id, png_bomb(), "bomb.png"), 413, "media.too_many_pixels")
    problem(await upload(api, story_id, phone_jpeg()[:300]), 422, "media.unreadable")
    big = b"\xff\xd8\xff\xe0" + b"\x00" * 15_000_000  # 15 MB + 4 bytes
    body = problem(await upload(api, story_id, big), 413, "media.too_large")
    assert "15 MB" in str(body["detail"])
    assert await photos_of(api, story_id) == []
    assert {r: refused(r) - n for r, n in before.items()} == dict.fromkeys(before, 1.0)
    # Only the scratch folder's leftovers would show a half-stored upload.
    scratch = Path(settings.media_dir) / ".scratch"
    assert not any(p.name.startswith(".upload-") for p in scratch.iterdir())


async def test_the_photo_route_has_its_own_body_limit_and_json_routes_keep_1_mib(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, _ = running
    story_id = await draft(api)
    over = b"\xff\xd8\xff" + b"\x00" * UPLOAD_BODY_BYTES
    body = problem(await upload(api, story_id, over), 413, "payload_too_large")
    assert str(UPLOAD_BODY_BYTES) in str(body["detail"])
    async with client(api) as c:
        r = await c.post(
            "/api/v1/stories", json={**STORY, "text": {"hi": "क" * 400_000}, "submit": False}
        )
    body = problem(r, 413, "payload_too_large")
    assert str(1024 * 1024) in str(body["detail"])


async def test_the_eleventh_photo_is_refused(running: tuple[Running, StoryIntakeSettings]) -> None:
    api, _ = running
    story_id = await draft(api)
    for i in range(10):
        r = await upload(api, story_id, plain(64, 48, (i * 20, 100, 200 - i * 15)), f"{i}.png")
        assert r.status_code == 201, r.text
    r = await upload(api, story_id, plain(64, 48, (255, 255, 0)), "11.png", lang="hi")
    body = problem(r, 409, "media.too_many_photos")
    assert "10" in str(body["detail"])
    photos = await photos_of(api, story_id)
    assert len(photos) == 10
    # Removing one makes room again; a removed photo is gone from the story.
    async with client(api) as c:
        gone = await c.delete(f"/api/v1/stories/{story_id}/photos/{photos[0]['id']}")
        assert gone.status_code == 204
    r = await upload(api, story_id, plain(64, 48, (255, 255, 0)), "11.png")
    assert r.status_code == 201, r.text


async def test_the_submitted_event_counts_the_photos(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, _ = running
    story_id = await draft(api)
    for i in range(2):
        assert (
            await upload(api, story_id, plain(60, 40, (i, 9, 9)), f"{i}.png")
        ).status_code == 201
    async with client(api) as c:
        assert (await c.post(f"/api/v1/stories/{story_id}/submit")).status_code == 200
    conn = await asyncpg.connect(api.database)
    try:
        value = await conn.fetchval(
            "SELECT value FROM outbox WHERE key = $1 AND ce_type = $2",
            story_id.encode(),
            event_types.STORY_SUBMITTED,
        )
    finally:
        await conn.close()
    assert json.loads(value)["photo_count"] == 2


async def test_only_the_author_and_only_on_a_draft_or_sent_back(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, _ = running
    story_id = await draft(api)
    r = await upload(api, story_id, plain(32, 32), who=OTHER_AUTHOR, lang="hi")
    problem(r, 403, "story.not_author")
    async with client(api) as c:
        assert (await c.post(f"/api/v1/stories/{story_id}/submit")).status_code == 200
    problem(await upload(api, story_id, plain(32, 32)), 409, "media.photos_locked")


async def test_a_media_url_opens_until_it_expires_and_never_when_forged(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, settings = running
    story_id = await draft(api)
    photo = (await upload(api, story_id, plain(80, 60), "a.png")).json()
    url: str = photo["url"]
    assert (await fetch(api, url)).status_code == 200
    base, token_value = url.split("?token=")
    flipped = token_value[:5] + ("A" if token_value[5] != "A" else "B") + token_value[6:]
    problem(await fetch(api, f"{base}?token={flipped}"), 404, "media.link_invalid")
    # A genuine token for one file does not open another.
    other = (await upload(api, story_id, plain(81, 60), "b.png")).json()
    problem(
        await fetch(api, f"{other['url'].split('?')[0]}?token={token_value}"),
        404,
        "media.link_invalid",
    )
    problem(await fetch(api, base), 404, "media.link_invalid")
    links = MediaLinks.of(settings)
    old, _ = links.url(photo["sha256"], datetime.now(UTC) - settings.media_link_ttl - timedelta(1))
    problem(await fetch(api, old), 410, "media.link_expired")
    forged = MediaLinks(
        "http://127.0.0.1:19104", (b"another-key-another-key-0123456789",), links.ttl
    )
    problem(
        await fetch(api, forged.url(photo["sha256"], datetime.now(UTC))[0]),
        404,
        "media.link_invalid",
    )


async def test_retention_deletes_a_withdrawn_storys_files_but_keeps_shared_ones(
    running: tuple[Running, StoryIntakeSettings],
) -> None:
    api, settings = running
    withdrawn, kept = await draft(api), await draft(api)
    shared = plain(90, 70, (10, 200, 30))
    only_here = (await upload(api, withdrawn, plain(91, 70, (200, 10, 30)))).json()
    both = (await upload(api, withdrawn, shared)).json()
    assert (await upload(api, kept, shared)).status_code == 201
    async with client(api) as c:
        assert (await c.post(f"/api/v1/stories/{withdrawn}/withdraw")).status_code == 200
    files = LocalFiles(Path(settings.media_dir))
    pool = await asyncpg.create_pool(api.database, min_size=1, max_size=2)
    try:
        now = datetime.now(UTC)
        # Within the retention period nothing goes.
        assert (await sweep(pool, files, now, settings.media_retention)).files == 0
        assert files.exists(only_here["sha256"])
        later = now + settings.media_retention + timedelta(minutes=1)
        swept = await sweep(pool, files, later, settings.media_retention)
    finally:
        await pool.close()
    # Both rows of the withdrawn story (other tests' removed photos may join them).
    assert swept.rows >= 2 and swept.files >= 3
    assert not files.exists(only_here["sha256"])
    problem(await fetch(api, only_here["url"]), 404, "media.link_invalid")
    assert files.exists(both["sha256"])
    assert (await fetch(api, both["url"])).status_code == 200
