"""The authorization matrix: every story endpoint × role × own / foreign unit.

Each case starts from a fresh story by a constable of PS-TIJARA (circle CIR-TIJARA, district
DST-KT), waiting at the circle (or a draft, for the author's own endpoints; or at PHQ with a
circulation version by the content writer, for the cell's; approved with a post out, for a
withdrawal), with a photo where the endpoint acts on one, so one case's success never changes
another's answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest

from tests.integration.story_intake.test_api import Running
from tests.integration.story_intake.test_creatives import at_phq
from tests.integration.story_intake.test_photos import upload
from tests.integration.story_intake.test_stories import (
    CO,
    CONSTABLE,
    OTHER_CO,
    OTHER_SP,
    SP,
    STORY,
    WRITER,
    client,
    new_story,
)
from tests.integration.story_intake.test_stories import running as running  # noqa: PLC0414
from tests.unit.story_intake.images import plain

OTHER_CONSTABLE = ("M-CONST-9", "constable:PS-TIJARA")  # same unit, not the author
APPROVER = ("M-ADG-1", "adg:RJ")
IG = ("M-IG-1", "ig:RNG-JAIPUR")
WHO = {
    "author": CONSTABLE,
    "constable_same_unit": OTHER_CONSTABLE,
    "co_own": CO,
    "co_foreign": OTHER_CO,
    "sp_own": SP,
    "sp_foreign": OTHER_SP,
    "cell_writer": WRITER,
    "approver": APPROVER,
    "ig": IG,
}
Call = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


async def _create(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.post("/api/v1/stories", json=STORY)


async def _mine(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/stories/mine")


async def _edit(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.put(f"/api/v1/stories/{story_id}", json=STORY)


async def _submit(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/submit")


async def _withdraw(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/withdraw")


async def _queue(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/stories/queue", params={"level": "circle"})


async def _claim(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/claim")


async def _forward(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/decisions", json={"decision": "forward"})


async def _versions(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/stories/{story_id}/versions")


async def _version(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/stories/{story_id}/versions/circulation/1")


async def _diff(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    path = f"/api/v1/stories/{story_id}/versions/circulation/diff"
    return await c.get(path, params={"from": 1, "to": 1})


async def _write(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/versions/x", json={"text": "गिरोह पकड़ा"})


async def _redact(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    path = f"/api/v1/stories/{story_id}/versions/circulation/1/redact"
    return await c.post(path, json={"findings": [0]})


async def _check(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.post("/api/v1/editor/check", json={"channel": "x", "text": "गिरोह पकड़ा"})


async def _acknowledge(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    ack = {"channel": "circulation", "version": 1, "finding": 0, "reason": "वाहन बरामदगी का है"}
    return await c.post(f"/api/v1/stories/{story_id}/acknowledgements", json=ack)


async def _mark(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    mark = {"mark": "child_involved", "set": True}
    return await c.post(f"/api/v1/stories/{story_id}/marks", json=mark)


async def _approve(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.post(f"/api/v1/stories/{story_id}/approval", json={"scope": "phq_admin"})


async def _read(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/stories/{story_id}")


async def _names(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/members/names", params={"id": ["M-CONST-1", "M-CO-1"]})


async def _unit_names(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/units/names", params={"id": ["PS-TIJARA", "CIR-TIJARA"]})


async def _add_photo(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    files = {"file": ("फ़ोटो.png", plain(40, 30), "image/png")}
    return await c.post(f"/api/v1/stories/{story_id}/photos", files=files)


async def _list_photos(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/stories/{story_id}/photos")


async def _remove_photo(c: httpx.AsyncClient, target: str) -> httpx.Response:
    story_id, photo_id = target.split("/")
    return await c.delete(f"/api/v1/stories/{story_id}/photos/{photo_id}")


async def _add_creative(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    files = {"file": ("x.png", plain(1200, 675), "image/png")}
    return await c.post(f"/api/v1/stories/{story_id}/creatives/x", files=files)


async def _confirm(c: httpx.AsyncClient, target: str) -> httpx.Response:
    story_id, photo_id = target.split("/")
    return await c.post(
        f"/api/v1/stories/{story_id}/photos/{photo_id}/confirm-unidentifiable",
        json={"reason": "केवल बरामद सामान दिखता है"},
    )


async def _withdraw_post(c: httpx.AsyncClient, target: str) -> httpx.Response:
    story_id, post_id = target.split("/")
    path = f"/api/v1/stories/{story_id}/posts/{post_id}/withdraw"
    return await c.post(path, json={"reason": "गलत तस्वीर प्रकाशित हुई"})


async def _confirm_withdrawal(c: httpx.AsyncClient, target: str) -> httpx.Response:
    story_id, post_id = target.split("/")
    return await c.post(f"/api/v1/stories/{story_id}/posts/{post_id}/withdrawal/confirm")


async def _accounts(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/publish/accounts")


F, N, Q = "access.forbidden", "story.not_author", "story.not_your_queue"
R, C = "media.not_readable", "media.not_cell"
# Where the story is: a draft, at the circle, at PHQ; with a photo (the target is
# "story/photo"), marked sexual offence.
DRAFT, CIRCLE, PHQ, DRAFT_PHOTO, PHQ_MARKED = "draft", "circle", "phq", "draft+photo", "phq+marked"
# Approved with a post out on X, or an Instagram post whose by-hand deletion task is open (the
# target is "story/post").
X_POSTED, IG_TASK = "approved+x_posted", "approved+ig_task"
TWO_PART = (DRAFT_PHOTO, PHQ_MARKED, X_POSTED, IG_TASK)
# endpoint: (call, where the story is, {who: 0 (allowed) or the 403 problem code})
SUBMITTERS = {"author": 0, "constable_same_unit": 0, "co_own": 0, "co_foreign": 0, "sp_own": 0,
              "sp_foreign": 0}  # fmt: skip
NOT_FIELD: dict[str, int | str] = {"author": F, "constable_same_unit": F, "ig": F}
CELL_READ: dict[str, int | str] = {
    **NOT_FIELD,
    "co_own": Q,
    "co_foreign": Q,
    "sp_own": Q,
    "sp_foreign": Q,
    "cell_writer": 0,
    "approver": 0,
}
CELL_WRITE: dict[str, int | str] = {
    **NOT_FIELD,
    "co_own": F,
    "co_foreign": F,
    "sp_own": F,
    "sp_foreign": F,
    "cell_writer": 0,
    "approver": F,
}  # the ADG approves; writing is the cell's
APPROVE: dict[str, int | str] = {**CELL_WRITE, "cell_writer": F, "approver": 0}
MATRIX: dict[str, tuple[Call, str, dict[str, int | str]]] = {
    "create": (_create, CIRCLE, {**SUBMITTERS, "cell_writer": F, "approver": F, "ig": F}),
    "mine": (_mine, CIRCLE, {**SUBMITTERS, "cell_writer": F, "approver": F, "ig": F}),
    **{
        name: (call, DRAFT if name != "remove_photo" else DRAFT_PHOTO, {
            "author": 0, "constable_same_unit": N, "co_own": N, "co_foreign": N, "sp_own": N,
            "sp_foreign": N, "cell_writer": F, "approver": F, "ig": F,
        })
        for name, call in (
            ("edit", _edit), ("submit", _submit), ("withdraw", _withdraw),
            ("add_photo", _add_photo), ("remove_photo", _remove_photo),
        )
    },
    "list_photos": (_list_photos, CIRCLE, {
        "author": 0, "constable_same_unit": R, "co_own": 0, "co_foreign": R, "sp_own": R,
        "sp_foreign": R, "cell_writer": R, "approver": R, "ig": R,
    }),
    "add_creative": (_add_creative, PHQ, {
        "author": F, "constable_same_unit": F, "co_own": C, "co_foreign": C, "sp_own": C,
        "sp_foreign": C, "cell_writer": 0, "approver": 0, "ig": F,
    }),
    "confirm_unidentifiable": (_confirm, PHQ_MARKED, {
        "author": F, "constable_same_unit": F, "co_own": F, "co_foreign": F, "sp_own": F,
        "sp_foreign": F, "cell_writer": F, "approver": 0, "ig": F,
    }),
    "queue": (_queue, CIRCLE, {
        "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": 0, "sp_own": Q,
        "sp_foreign": Q, "cell_writer": Q, "approver": Q, "ig": F,
    }),
    **{
        name: (call, CIRCLE, {
            "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": Q, "sp_own": Q,
            "sp_foreign": Q, "cell_writer": Q, "approver": Q, "ig": F,
        })
        for name, call in (("claim", _claim), ("forward", _forward), ("read", _read))
    },
    "versions": (_versions, PHQ, CELL_READ),
    "version": (_version, PHQ, CELL_READ),
    "diff": (_diff, PHQ, CELL_READ),
    "write_version": (_write, PHQ, CELL_WRITE),
    "redact_version": (_redact, PHQ, CELL_WRITE),
    "editor_check": (_check, PHQ, CELL_WRITE),
    "acknowledge": (_acknowledge, PHQ, APPROVE),
    "mark": (_mark, PHQ, CELL_READ),
    "approve": (_approve, PHQ, APPROVE),
    "withdraw_post": (_withdraw_post, X_POSTED, APPROVE),
    "confirm_withdrawal": (_confirm_withdrawal, IG_TASK, APPROVE),
    "accounts": (_accounts, CIRCLE, CELL_READ),
    "names": (_names, CIRCLE, {
        "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": 0, "sp_own": 0,
        "sp_foreign": 0, "cell_writer": 0, "approver": 0, "ig": F,
    }),
    "unit_names": (_unit_names, CIRCLE, {
        "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": 0, "sp_own": 0,
        "sp_foreign": 0, "cell_writer": 0, "approver": 0, "ig": F,
    }),
}  # fmt: skip
CASES = [(endpoint, who) for endpoint in MATRIX for who in WHO]
# A review finding (a vehicle number) for the approver to acknowledge; no block finding.
CIRCULATION = {
    "title": {"hi": "तिजारा पुलिस ने चोरी का ट्रक बरामद किया"},
    "body": {"hi": "तिजारा पुलिस ने चोरी का ट्रक RJ-07-CA-1234 बरामद किया।"},
}


async def _with_circulation(running: Running, story_id: str) -> None:
    async with client(running, WRITER) as c:
        r = await c.post(f"/api/v1/stories/{story_id}/versions/circulation", json=CIRCULATION)
        assert r.status_code == 201, r.text
        assert [f["rule"] for f in r.json()["findings"]] == ["vehicle_registration"]


async def _target(running: Running, where: str) -> str:
    """A fresh story where the endpoint expects it; "story/photo" when it acts on a photo."""
    if where in (DRAFT, CIRCLE):
        return await new_story(running, submit=where == CIRCLE)
    if where == PHQ:
        story_id = await at_phq(running)
        await _with_circulation(running, story_id)
        return story_id
    if where in (X_POSTED, IG_TASK):
        return await _published(running, "x" if where == X_POSTED else "instagram")
    photo = plain(50, 40, (7, 77, 177))
    if where == DRAFT_PHOTO:
        story_id = await new_story(running, submit=False)
        r = await upload(running, story_id, photo)
        assert r.status_code == 201, r.text
        return f"{story_id}/{r.json()['id']}"
    story_id = await at_phq(running, photo)
    conn = await asyncpg.connect(running.database)
    try:
        await conn.execute("UPDATE stories SET sexual_offence = true WHERE id = $1::uuid", story_id)
        photo_id = await conn.fetchval(
            "SELECT id FROM story_media WHERE story_id = $1::uuid", story_id
        )
    finally:
        await conn.close()
    return f"{story_id}/{photo_id}"


async def _published(running: Running, channel: str) -> str:
    """A story approved for one public channel, its post out; Instagram's with its task open."""
    story_id = await at_phq(running)
    await _with_circulation(running, story_id)
    async with client(running, WRITER) as c:
        r = await c.post(
            f"/api/v1/stories/{story_id}/versions/{channel}", json={"text": "गिरोह पकड़ा"}
        )
        assert r.status_code == 201, r.text
    async with client(running, APPROVER) as c:
        body = {"scope": "phq_admin", "public_channels": [channel]}
        r = await c.post(f"/api/v1/stories/{story_id}/approval", json=body)
        assert r.status_code == 200, r.text
        post_id = r.json()["posts"][0]["post_id"]
    conn = await asyncpg.connect(running.database)
    try:  # the publisher's answers, as its consumer would have applied them
        await conn.execute(
            "UPDATE story_posts SET state = 'posted', provider_post_id = '1', "
            "public_url = 'https://x.com/PoliceRajasthan/status/1' WHERE post_id = $1::uuid",
            post_id,
        )
        if channel == "instagram":
            await conn.execute(
                "UPDATE story_posts SET w_state = 'task_open', w_reason = 'हटाएं', w_by = $2, "
                "w_by_role = 'adg', w_at = now(), w_task_id = $3::uuid, w_task_at = now() "
                "WHERE post_id = $1::uuid",
                post_id, APPROVER[0], str(uuid.uuid4()),
            )  # fmt: skip
    finally:
        await conn.close()
    return f"{story_id}/{post_id}"


@pytest.mark.parametrize(("endpoint", "who"), CASES, ids=[f"{e}-{w}" for e, w in CASES])
async def test_authorization_matrix(running: Running, endpoint: str, who: str) -> None:
    call, where, expected = MATRIX[endpoint]
    story_id = await _target(running, where)
    async with client(running, WHO[who], language="hi") as c:
        r = await call(c, story_id)
    want = expected[who]
    if want == 0:
        assert r.status_code < 300, r.text
        if endpoint == "queue":  # a CO sees the circle's stories, another circle's CO does not
            listed = story_id in {s["id"] for s in r.json()["items"]}
            assert listed == (who == "co_own")
        if endpoint == "read":  # with every step, for the page's history
            assert [s["action"] for s in r.json()["steps"]] == ["created", "submitted"]
    else:
        assert r.status_code == 403, r.text
        assert r.json()["code"] == want
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any("\u0900" <= ch <= "\u097f" for ch in r.json()["title"])  # in Hindi


@pytest.mark.parametrize("endpoint", list(MATRIX))
async def test_every_endpoint_wants_a_sign_in(running: Running, endpoint: str) -> None:
    call, _, _ = MATRIX[endpoint]
    async with running.client(None) as c:
        zero = "00000000-0000-4000-8000-000000000000"
        r = await call(c, f"{zero}/{zero}" if MATRIX[endpoint][1] in TWO_PART else zero)
    assert r.status_code == 401
