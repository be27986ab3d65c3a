"""The authorization matrix: every story endpoint × role × own / foreign unit.

Each case starts from a fresh story by a constable of PS-TIJARA (circle CIR-TIJARA, district
DST-KT), waiting at the circle (or a draft, for the author's own endpoints), so one case's
success never changes another's answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.integration.story_intake.test_api import Running
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


async def _read(c: httpx.AsyncClient, story_id: str) -> httpx.Response:
    return await c.get(f"/api/v1/stories/{story_id}")


async def _names(c: httpx.AsyncClient, _: str) -> httpx.Response:
    return await c.get("/api/v1/members/names", params={"id": ["M-CONST-1", "M-CO-1"]})


F, N, Q = "access.forbidden", "story.not_author", "story.not_your_queue"
# endpoint: (call, the story is a draft?, {who: status or problem code})
SUBMITTERS = {"author": 0, "constable_same_unit": 0, "co_own": 0, "co_foreign": 0, "sp_own": 0,
              "sp_foreign": 0}  # fmt: skip
MATRIX: dict[str, tuple[Call, bool, dict[str, int | str]]] = {
    "create": (_create, False, {**SUBMITTERS, "cell_writer": F, "approver": F, "ig": F}),
    "mine": (_mine, False, {**SUBMITTERS, "cell_writer": F, "approver": F, "ig": F}),
    **{
        name: (call, True, {
            "author": 0, "constable_same_unit": N, "co_own": N, "co_foreign": N, "sp_own": N,
            "sp_foreign": N, "cell_writer": F, "approver": F, "ig": F,
        })
        for name, call in (("edit", _edit), ("submit", _submit), ("withdraw", _withdraw))
    },
    "queue": (_queue, False, {
        "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": 0, "sp_own": Q,
        "sp_foreign": Q, "cell_writer": Q, "approver": Q, "ig": F,
    }),
    **{
        name: (call, False, {
            "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": Q, "sp_own": Q,
            "sp_foreign": Q, "cell_writer": Q, "approver": Q, "ig": F,
        })
        for name, call in (("claim", _claim), ("forward", _forward), ("read", _read))
    },
    "names": (_names, False, {
        "author": F, "constable_same_unit": F, "co_own": 0, "co_foreign": 0, "sp_own": 0,
        "sp_foreign": 0, "cell_writer": 0, "approver": 0, "ig": F,
    }),
}  # fmt: skip
CASES = [(endpoint, who) for endpoint in MATRIX for who in WHO]


@pytest.mark.parametrize(("endpoint", "who"), CASES, ids=[f"{e}-{w}" for e, w in CASES])
async def test_authorization_matrix(running: Running, endpoint: str, who: str) -> None:
    call, draft, expected = MATRIX[endpoint]
    story_id = await new_story(running, submit=not draft)
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
        r = await call(c, "00000000-0000-4000-8000-000000000000")
    assert r.status_code == 401
