"""The demo stories of `deploy/stack up` (AFTER_UP, `nazar_rostergen.stories`): one at each step
of the chain, seen through story-intake's public API by their author and reviewers; running the
command again (a second `up`) creates and decides nothing twice."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from typing import Any

from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import Grant
from nazar_rostergen.stories import CIRCLE, DISTRICT, STATE, Person, find
from stackctl import services  # tests.e2e.system puts deploy/ on the path
from stackctl.common import State

from tests.e2e.system import ROOT, System

EXPECTED = Counter(
    {("draft", None): 1, ("in_review", "circle"): 1, ("in_review", "district"): 1,
     ("in_review", "phq"): 1, ("sent_back", "circle"): 1, ("rejected", "district"): 1,
     ("approved", None): 1}
)  # fmt: skip
READER = Person("e2e-demo-reader", Grant(Role.ADG, STATE))  # finds the demo members


async def _get(system: System, who: Person, path: str, **params: str) -> Any:
    r = await system.http.get(
        system.url("story-intake", path),
        params=params,
        headers={"Authorization": f"Bearer {who.token()}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _stories(system: System) -> list[dict[str, Any]]:
    author = await asyncio.to_thread(find, system.url("roster"), READER, Role.CONSTABLE, CIRCLE)
    items: list[dict[str, Any]] = (await _get(system, author, "/api/v1/stories/mine"))["items"]
    return items


async def test_the_demo_stories_stand_at_each_step_and_a_second_up_adds_none(
    system: System,
) -> None:
    stories = await _stories(system)
    steps = Counter(
        (s["state"], None if s["state"] in ("draft", "approved") else s["level"]) for s in stories
    )
    assert steps == EXPECTED
    assert {lang for s in stories for lang, t in s["title"].items() if t} == {"hi", "en"}
    sent_back = next(s for s in stories if s["state"] == "sent_back")
    assert any("तारीख़" in (step["note"] or "") for step in sent_back["steps"])

    # The reviewers see theirs: the CO of the circle, the SP of the district.
    for role, unit, level in ((Role.CO, CIRCLE, "circle"), (Role.SP, DISTRICT, "district")):
        who = await asyncio.to_thread(find, system.url("roster"), READER, role, unit)
        queue = await _get(system, who, "/api/v1/stories/queue", level=level)
        assert len(queue["items"]) == 1, queue

    [demo] = [c for c in services.AFTER_UP if "nazar_rostergen.stories" in c]
    again = await asyncio.to_thread(
        subprocess.run,
        services.argv_of(services.Service("after-up", demo, 0), system.ports, State("test")),
        env=system.env, cwd=ROOT, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    after = await _stories(system)
    assert sorted(s["id"] for s in after) == sorted(s["id"] for s in stories)
    assert sorted(len(s["steps"]) for s in after) == sorted(len(s["steps"]) for s in stories)
