"""Found by the authorization matrix: two erasures at once answered 500 (both recomputed the state
groups and inserted the same new member). Erasures of members of one circle, all at once, must
each be answered, none with a server error."""

from __future__ import annotations

import asyncio

from tests.e2e.clients import World, call
from tests.e2e.system import System

# A station no other suite of the shared system uses.
STATION = "PS-RAMWAS"
AT_ONCE = 6


async def test_erasures_at_once_are_each_answered(system: System) -> None:
    world = World(system)
    sho = await world.token(await world.officer("sho", STATION))  # asks
    adg = await world.token(await world.officer("adg", "BR-CRIME"))  # decides (not the asker)
    r = await call(system, "GET", world.directive(f"/dev/members?unit={STATION}&limit=50"))
    members = [m["member_id"] for m in r.json()["items"]][:AT_ONCE]
    assert len(members) == AT_ONCE, r.text
    requests = []
    for m in members:
        asked = await call(
            system, "POST", world.roster("/erasures"), token=sho,
            json={"member_id": m, "reason": "सदस्य का लिखित अनुरोध"},
        )  # fmt: skip
        assert asked.status_code == 201, asked.text
        requests.append(asked.json()["request_id"])
    answers = await asyncio.gather(
        *(call(system, "POST", world.roster(f"/erasures/{q}/approval"), token=adg, json={})
          for q in requests)
    )  # fmt: skip
    assert [a.status_code for a in answers] == [200] * AT_ONCE, [a.text for a in answers]
