"""Issue 14, "Done when" 2, on the running system through its public APIs: a story approved for
the public channels (X, Facebook, Instagram, with a creative) is posted on each official account
(the fake X, Facebook and Instagram APIs that `deploy/stack up` starts) and the story, read
through story-intake's API, shows three public URLs. The fakes' logs show exactly one post of
it per network, Instagram's with the image it really fetched from the publisher's signed URL.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bench.social.fakes import NETWORKS, FakePost, not_in_stack, posts
from tests.e2e.clients import World, call, wait_for
from tests.e2e.system import System
from tests.unit.story_intake.images import plain

pytestmark = pytest.mark.skipif(
    bool(not_in_stack()), reason=f"not in the stack yet: {', '.join(not_in_stack())}"
)

STATION = "PS-BHIWADI-KOTWALI"
DISTRICT = "DST-KHAIRTHAL-TIJARA"
STORY = {
    "kind": "recovery",
    "title": {"hi": "भिवाड़ी पुलिस ने चोरी के बारह मोबाइल लौटाए", "en": "Bhiwadi returns phones"},
    "text": {"hi": "भिवाड़ी कोतवाली पुलिस ने साइबर सेल की मदद से चोरी हुए बारह मोबाइल फ़ोन "
             "बरामद कर उनके मालिकों को लौटाए।"},
    "place": "भिवाड़ी",
}  # fmt: skip


def versions(tag: str) -> dict[str, str]:
    """The cell's text per network; `tag` makes this run's posts findable in the fakes' logs."""
    link = f"https://police.rajasthan.gov.in/cyber?ref={tag}"
    return {
        "x": f"भिवाड़ी पुलिस ने चोरी हुए 12 मोबाइल मालिकों को लौटाए 📱✅ {link}",
        "facebook": "भिवाड़ी कोतवाली पुलिस ने साइबर सेल की मदद से चोरी हुए बारह मोबाइल फ़ोन "
        f"बरामद कर उनके मालिकों को लौटाए। खोया फ़ोन? 1930 पर कॉल करें। 🙏 {link}",
        "instagram": f"चोरी हुए 12 मोबाइल अपने मालिकों के पास लौटे 📱 ({tag}) "
        "#RajasthanPolice #CyberSafety",
    }


async def _post(w: World, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    url = w.system.url("story-intake", f"/api/v1{path}")
    r = await call(w.system, "POST", url, token=await w.token(who), json=body, retry_for=30)
    assert r.status_code in (200, 201), r.text
    result: dict[str, Any] = r.json()
    return result


async def _creative(w: World, who: str, story_id: str, channel: str) -> dict[str, Any]:
    """A JPEG creative at 4:5 (Instagram's tallest), as the graphics designer uploads it."""
    r = await w.system.http.post(
        w.system.url("story-intake", f"/api/v1/stories/{story_id}/creatives/{channel}"),
        headers={"Authorization": f"Bearer {await w.token(who)}",
                 "Idempotency-Key": str(uuid.uuid4())},
        files={"file": ("creative.jpg", plain(1080, 1350, fmt="JPEG"), "image/jpeg")},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def _story(w: World, who: str, story_id: str) -> dict[str, Any]:
    url = w.system.url("story-intake", f"/api/v1/stories/{story_id}")
    r = await call(w.system, "GET", url, token=await w.token(who), retry_for=30)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _ours(found: list[FakePost], text: str) -> list[FakePost]:
    return [p for p in found if p.text.strip() == text.strip()]


async def test_a_story_approved_for_public_channels_is_posted_once_on_each_network(
    system: System,
) -> None:
    w = World(system)
    author = await w.officer("constable", STATION)
    co = await w.officer("co", "CIR-BHIWADI")
    sp = await w.officer("sp", DISTRICT)
    writer = await w.officer("content_writer", "PHQ")
    designer = await w.officer("graphics_designer", "PHQ")
    approver = await w.officer("sp_phq_crime", "PHQ")
    texts = versions(uuid.uuid4().hex[:8])

    sid = (await _post(w, author, "/stories", {**STORY, "submit": True}))["id"]
    await _post(w, co, f"/stories/{sid}/decisions", {"decision": "forward"})
    await _post(w, sp, f"/stories/{sid}/decisions", {"decision": "forward"})
    for channel, text in texts.items():
        await _post(w, writer, f"/stories/{sid}/versions/{channel}", {"text": text})
    creative = await _creative(w, designer, sid, "instagram")
    approved = await _post(
        w,
        approver,
        f"/stories/{sid}/approval",
        {"scope": "phq_admin", "public_channels": list(texts)},
    )
    assert approved["state"] == "approved"

    async def three_urls() -> bool:
        shown = (await _story(w, approver, sid))["posts"] or []
        return sorted(p["channel"] for p in shown if p["public_url"]) == sorted(texts)

    async def shown() -> object:
        return [
            (p["channel"], p["state"], p["public_url"], p["reason"])
            for p in (await _story(w, approver, sid))["posts"] or []
        ]

    await wait_for(three_urls, within=180, every=1, what="three public URLs", explain=shown)
    story = await _story(w, approver, sid)
    by_channel = {p["channel"]: p for p in story["posts"]}
    assert {c: p["state"] for c, p in by_channel.items()} == dict.fromkeys(texts, "posted")

    for channel, text in texts.items():
        network = NETWORKS[channel]
        found = _ours(await posts(system.http, system.ports.base, channel), text)
        assert len(found) == 1, (channel, found)  # exactly one post of it on the network
        [post] = found
        assert post.post_id == by_channel[channel]["provider_post_id"], (channel, post)
        assert by_channel[channel]["public_url"].startswith("https://"), by_channel[channel]
        assert post.post_id in by_channel[channel]["public_url"] or network.urls_by_permalink
    # Instagram fetched the creative itself (from the publisher's signed URL): its bytes are
    # the stored original's, byte for byte.
    [insta] = _ours(await posts(system.http, system.ports.base, "instagram"), texts["instagram"])
    assert insta.media_sha256 == (creative["sha256"],), insta
