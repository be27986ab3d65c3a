"""Field alerts (issue 15) as the end-to-end and chaos tests drive them: through story-intake's
`POST /api/v1/alerts` and the directive's `POST /api/v1/incidents/{id}/take|close`, with the demo
roster's alert station and its chain found through the public APIs (tests/e2e/clients.py)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from nazar_rostergen.places import DEMO_ALERT_STATION

from tests.e2e.clients import Json, Person, World, call, fake_log
from tests.e2e.system import System

# What a gram rakshak writes, in their own words (Hindi; every alert gets its own place, so
# that no two of them cluster into one incident unless a test wants them to).
ALERT_TEXT = (
    "गांव के बाहर सरकारी स्कूल के पीछे एक सफ़ेद बोलेरो दो दिन से बिना नंबर प्लेट के खड़ी है। "
    "रात में तीन अनजान लोग उसमें आते-जाते दिखे, पूछने पर गाली-गलौज की।"
)


def place(tag: str) -> str:
    """A place text of its own: alerts cluster by the same place text."""
    return f"जैसलसर, सरकारी विद्यालय के पीछे वाला खेत, खसरा नंबर {tag}"


def alert_body(tag: str, urgency: str = "immediate", kind: str = "suspicious") -> Json:
    return {
        "kind": kind,
        "urgency": urgency,
        "text": ALERT_TEXT,
        "place": {"text": place(tag)},
        "vehicle_number": "rj 07 ca 4521",  # as typed; story-intake normalises it
    }


@dataclass
class Chain:
    """The demo alert station, who raises there, and the officers an alert reaches."""

    station: str
    raiser: Person
    sho: Person
    co: Person
    sp: Person
    ig: Person
    circle: str

    def routed(self, urgency: str = "immediate") -> list[Person]:
        return [self.sho, self.co, self.sp] if urgency == "immediate" else [self.sho, self.co]


async def chain(world: World, station: str = DEMO_ALERT_STATION) -> Chain:
    sho = await world.refresh(await world.officer("sho", station))
    path = sho.unit_path  # state, range, district, circle, station
    range_id, district, circle = path[1], path[2], path[3]
    url = world.directive(f"/dev/members?role=gram_rakshak&unit={station}&limit=50")
    found = (await call(world.system, "GET", url, retry_for=120)).json()["items"]
    raisers = [await world.refresh(m["member_id"]) for m in found]
    raiser = next(p for p in raisers if p.consent == "granted" and p.whatsapp and p.active)
    return Chain(
        station,
        raiser,
        sho,
        await world.refresh(await world.officer("co", circle)),
        await world.refresh(await world.officer("sp", district)),
        await world.refresh(await world.officer("ig", range_id)),
        circle,
    )


@dataclass(frozen=True)
class Raised:
    alert_id: str
    at: float  # Unix time just before the request went out
    answer: Json


async def raise_alert(world: World, raiser: Person, body: Json, retry_for: float = 0) -> Raised:
    url = world.system.url("story-intake", "/api/v1/alerts")
    at = time.time()
    r = await call(
        world.system,
        "POST",
        url,
        token=await world.token(raiser.member_id),
        json=body,
        key=str(uuid.uuid4()),
        retry_for=retry_for,
    )
    assert r.status_code == 201, r.text
    answer: Json = r.json()
    return Raised(str(answer["id"]), at, answer)


async def incident_action(
    world: World, who: Person, incident_id: str, action: str, body: Json, retry_for: float = 0
) -> httpx.Response:
    """`take`, `close` or `hand-over`, as an officer does it from the board."""
    return await call(
        world.system,
        "POST",
        world.directive(f"/incidents/{incident_id}/{action}"),
        token=await world.token(who.member_id),
        json=body,
        retry_for=retry_for,
    )


async def first_at(system: System, people: list[Person], since: float) -> dict[str, float]:
    """Member id → when the fakes first accepted a message to them at or after `since`."""
    numbers = {n: p.member_id for p in people for n in (p.whatsapp, p.sms) if n}
    seen: dict[str, float] = {}
    for s in await fake_log(system):
        member = numbers.get(s.to)
        if member is not None and s.at >= since and s.at < seen.get(member, float("inf")):
            seen[member] = s.at
    return seen


async def fake_config(system: System, provider: str) -> dict[str, Any]:
    port = {"whatsapp": 201, "sms": 202}[provider]
    r = await system.http.get(f"http://127.0.0.1:{system.ports.base + port}/_fake/config")
    r.raise_for_status()
    found: dict[str, Any] = r.json()
    return found
