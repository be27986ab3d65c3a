"""Issue 13, "Done when" 1, on the running system through its public APIs: a constable's story
with two photos goes CO → SP → PHQ cell; the content writer writes the X and Instagram versions
(and the circulation text); the designer attaches a creative; the approver approves internal
circulation to the district; every reachable member of the district's circle groups and of the
PHQ crime admin group receives it once (counted at the fake providers); the author sees each
step; the stored photos carry no EXIF and are upright."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections import Counter
from typing import Any

from PIL import Image

from tests.e2e.clients import Person, World, call, fake_log, wait_for
from tests.e2e.system import System
from tests.unit.story_intake.images import phone_jpeg, plain

DISTRICT = "DST-KHAIRTHAL-TIJARA"
# Not the Tijara circle, whose constable writes the demo stories (test_demo_stories).
STATION = "PS-BHIWADI-KOTWALI"
TITLE = {"hi": "भिवाड़ी पुलिस ने साइबर ठग गिरोह पकड़ा", "en": "Bhiwadi police bust a fraud gang"}
TEXT = {
    "hi": "भिवाड़ी कोतवाली पुलिस ने ऑनलाइन ठगी करने वाले गिरोह के चार सदस्यों को पकड़ा और "
    "बत्तीस मोबाइल फ़ोन बरामद किए।",
    "en": "Bhiwadi Kotwali police caught four members of an online fraud gang and recovered "
    "thirty-two phones.",
}
STORY = {"kind": "gang_bust", "title": TITLE, "text": TEXT, "place": "भिवाड़ी"}
REACHABLE = {"granted", "not_required"}


async def _post(w: World, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    url = w.system.url("story-intake", f"/api/v1{path}")
    r = await call(w.system, "POST", url, token=await w.token(who), json=body, retry_for=30)
    assert r.status_code in (200, 201), r.text
    result: dict[str, Any] = r.json()
    return result


async def _upload(w: World, who: str, path: str, content: bytes, name: str) -> dict[str, Any]:
    r = await w.system.http.post(
        w.system.url("story-intake", f"/api/v1{path}"),
        headers={"Authorization": f"Bearer {await w.token(who)}",
                 "Idempotency-Key": str(uuid.uuid4())},
        files={"file": (name, content, "application/octet-stream")},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def _group(w: World, group_id: str) -> set[str]:
    adg = await w.token(await w.officer("adg", "BR-CRIME"))
    members: set[str] = set()
    cursor: str | None = None
    while True:
        query = f"?limit=500{f'&cursor={cursor}' if cursor else ''}"
        page = await call(
            w.system, "GET", w.roster(f"/groups/{group_id}/members{query}"), token=adg
        )
        assert page.status_code == 200, page.text
        members |= {m["member_id"] for m in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if not cursor:
            return members


def _numbers(p: Person) -> set[str]:
    return {n for n in (p.whatsapp, p.sms) if n}


async def test_a_constables_story_goes_up_is_approved_and_circulates_in_the_district(
    system: System,
) -> None:
    w = World(system)
    author = await w.officer("constable", STATION)
    co = await w.officer("co", "CIR-BHIWADI")
    sp = await w.officer("sp", DISTRICT)
    writer = await w.officer("content_writer", "PHQ")
    designer = await w.officer("graphics_designer", "PHQ")
    approver = await w.officer("sp_phq_crime", "PHQ")

    story = await _post(w, author, "/stories", {**STORY, "submit": False})
    sid = story["id"]
    for width, height in ((400, 200), (480, 240)):  # stored sideways, orientation 6
        sent = phone_jpeg(width, height)
        photo = await _upload(w, author, f"/stories/{sid}/photos", sent, f"IMG_{width}.jpg")
        assert (photo["width"], photo["height"]) == (height, width)
    await _post(w, author, f"/stories/{sid}/submit", {})
    assert (await _post(w, co, f"/stories/{sid}/decisions", {"decision": "forward"}))["level"] == (
        "district"
    )
    assert (await _post(w, sp, f"/stories/{sid}/decisions", {"decision": "forward"}))["level"] == (
        "phq"
    )
    x = await _post(w, writer, f"/stories/{sid}/versions/x", {"text": TEXT["hi"]})
    insta = await _post(
        w,
        writer,
        f"/stories/{sid}/versions/instagram",
        {"text": TEXT["en"] + " #RajasthanPolice"},
    )
    assert x["n"] == insta["n"] == 1
    await _post(
        w, writer, f"/stories/{sid}/versions/circulation",
        {"title": TITLE, "body": TEXT},
    )  # fmt: skip
    await _upload(
        w, designer, f"/stories/{sid}/creatives/instagram", plain(1080, 1350), "creative.png"
    )
    # The demo story approved by `up` circulates in this district too: let it finish first.
    await _quiet(system)
    approved_at = time.time()
    approved = await _post(w, approver, f"/stories/{sid}/approval", {"scope": "district"})
    assert approved["state"] == "approved"

    # The author sees every step.
    mine_url = system.url("story-intake", "/api/v1/stories/mine")
    mine = await call(system, "GET", mine_url, token=await w.token(author))
    mine_story = next(s for s in mine.json()["items"] if s["id"] == sid)
    chain = {"created", "submitted", "forward", "send_back", "reject", "approve"}
    actions = [s["action"] for s in mine_story["steps"] if s["action"] in chain]
    assert actions == ["created", "submitted", "forward", "forward", "approve"]  # the cell's
    # versions show too: the author reads what PHQ made of the story

    # Every reachable member of the district's circle groups and of the PHQ crime admin group.
    circles = sorted(
        u["id"]
        for u in (await _units(w)).values()
        if u["kind"] == "circle" and DISTRICT in u["path"]
    )
    await w.load(circles)
    admins = await _group(w, "phq-crime-admin")
    for member_id in admins - set(w.people):
        await w.refresh(member_id)
    everyone = set().union(*(w.circle_group[c] for c in circles)) | admins
    reachable = {m for m in everyone if w.people[m].active and w.people[m].consent in REACHABLE}
    expected = {m for m in reachable if _numbers(w.people[m])}
    by_number = {n: m for m in w.people for n in _numbers(w.people[m])}
    author_numbers = _numbers(w.people[author] if author in w.people else await w.refresh(author))

    async def received() -> Counter[str]:
        log = [s for s in await fake_log(system) if s.at >= approved_at - 1]
        return Counter(by_number.get(s.to, f"? {s.to}") for s in log)

    async def all_reached() -> bool:
        return expected <= set(await received())

    await wait_for(all_reached, within=120, what="circulation at every group member",
                   explain=lambda: _missing(received, expected))  # fmt: skip
    got = await received()
    others = {m: n for m, n in got.items() if m != author and m not in expected}
    assert others == {}  # nobody outside the groups
    twice = {m: got[m] for m in expected - {author} if got[m] != 1}
    assert twice == {}  # each once
    # The author's own notices: forwarded twice and approved (in their language).
    notices = [s for s in await fake_log(system) if s.to in author_numbers]
    assert len(notices) >= 3

    # The stored photos: no EXIF, upright (stored sideways with orientation 6).
    listing = await call(
        system, "GET", system.url("story-intake", f"/api/v1/stories/{sid}/photos"),
        token=await w.token(approver),
    )  # fmt: skip
    assert listing.status_code == 200, listing.text
    photos = [m for m in listing.json()["items"] if m["kind"] == "photo"]
    assert len(photos) == 2
    for photo in photos:
        # The signed URL as issued: under the one origin (the stack's proxy).
        stored = await system.http.get(photo["url"])
        assert stored.status_code == 200 and b"Exif" not in stored.content
        with Image.open(io.BytesIO(stored.content)) as image:
            assert not image.getexif() and image.size in ((200, 400), (240, 480))  # upright


async def _units(w: World) -> dict[str, Any]:
    adg = await w.token(await w.officer("adg", "BR-CRIME"))
    r = await call(w.system, "GET", w.directive("/units"), token=adg)
    return {u["id"]: u for u in r.json()}


async def _missing(received: Any, expected: set[str]) -> object:
    return sorted(expected - set(await received()))[:10]


async def _quiet(system: System, still: float = 4.0) -> None:
    """Until the fake providers have accepted nothing new for `still` seconds."""
    before = -1
    while True:
        now = len(await fake_log(system))
        if now == before:
            return
        before = now
        await asyncio.sleep(still)
