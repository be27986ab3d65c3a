"""Signed links, tampered, forged and expired, against the running system.

Every signed-link route of the route table is tried with a forged credential (never 2xx, never a
5xx); then a genuine link (a story photo's URL) is tampered with, moved to another file, stripped
of its token, and re-signed with its own key but expired: only the genuine one opens.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from PIL import Image
from story_intake.handlers.media_links import MediaLinks
from story_intake.settings import DEV_MEDIA_LINK_KEY

from tests.e2e.clients import World
from tests.e2e.system import System
from tests.security.routes import Guard, route_table

FORGED = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
STATION = "PS-BHIWADI-KOTWALI"


async def test_no_signed_link_route_opens_for_a_forged_credential(system: System) -> None:
    rows = [r for r in route_table() if r.guard is Guard.SIGNED_LINK]
    wrong = []
    async with httpx.AsyncClient(timeout=20) as http:
        for row in rows:
            path = row.path
            for name in row.parameters:
                value = "0" * 64 if name == "sha256" else FORGED
                path = path.replace("{" + name + "}", value)
            for query in ("", f"?token={FORGED}", "?token="):
                r = await http.request(row.method, system.url(row.service, path + query))
                if r.status_code < 300 or r.status_code >= 500:
                    wrong.append(f"{row} {query}: {r.status_code}")
    print(
        f"\nsigned links: {len(rows)} routes, {3 * len(rows)} forged requests, {len(wrong)} opened"
    )
    assert len(rows) >= 5 and not wrong, "\n".join(wrong)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (uuid.uuid4().int % 255, 90, 40)).save(out, "PNG")
    return out.getvalue()


async def test_a_photo_link_opens_only_as_signed_and_until_it_expires(system: System) -> None:
    world = World(system)
    token = await world.token(await world.officer("constable", STATION))
    auth = {"Authorization": f"Bearer {token}"}
    story = {"kind": "gang_bust", "title": {"hi": "भिवाड़ी पुलिस ने चोर पकड़ा"},
             "text": {"hi": "भिवाड़ी थाना पुलिस ने दो मोटरसाइकिलें बरामद कीं।"},
             "place": "भिवाड़ी", "event_date": "2026-11-28", "submit": False}  # fmt: skip
    async with httpx.AsyncClient(base_url=system.url("story-intake"), timeout=30) as http:
        r = await http.post(
            "/api/v1/stories", json=story, headers=auth | {"Idempotency-Key": str(uuid.uuid4())}
        )
        assert r.status_code == 201, r.text
        story_id = r.json()["id"]
        photos = []
        for _ in range(2):
            r = await http.post(
                f"/api/v1/stories/{story_id}/photos",
                files={"file": ("a.png", _png(), "image/png")},
                headers=auth,
            )
            assert r.status_code == 201, r.text
            photos.append(r.json())
        url, other = photos[0]["url"], photos[1]["url"]
        base, value = url.split("?token=")
        flipped = value[:5] + ("A" if value[5] != "A" else "B") + value[6:]
        env = system.processes["story-intake"].env
        key = env.get("NAZAR_MEDIA_LINK_KEY", DEV_MEDIA_LINK_KEY).encode()
        ttl = timedelta(days=3)
        links = MediaLinks(base.split("/api/")[0], (key,), ttl)
        expired, _ = links.url(photos[0]["sha256"], datetime.now(UTC) - ttl - timedelta(hours=1))
        answers = {
            "genuine": await http.get(url),
            "tampered": await http.get(f"{base}?token={flipped}"),
            "another file's token": await http.get(f"{other.split('?')[0]}?token={value}"),
            "no token": await http.get(base),
            "expired": await http.get(expired),
        }
    statuses = {what: r.status_code for what, r in answers.items()}
    assert statuses == {
        "genuine": 200,
        "tampered": 404,
        "another file's token": 404,
        "no token": 404,
        "expired": 410,
    }, statuses
