"""Issue 15, "Done when" 2: the directive and story-intake services SIGKILLed during routing,
several times each, while members of every demo station raise alerts (a field app retrying with
the same Idempotency-Key while story-intake is down). Nobody acknowledges (the fakes' replies
are off), so every incident also escalates to its range IG on the test stack's short clock,
across the kills. Afterwards:

* no alert lost: every alert story-intake accepted is on alert.events.v1 once (one alert per
  Idempotency-Key, however often it was retried), has its `AlertRouted` and its
  `AlertEscalated` on alert.cases.v1, and its officers (SHO, CO, SP: the alerts are
  `immediate`; then the range IG) each have a `dispatch.requested` of it on the flash topic and
  a message at a fake provider;
* no officer messaged twice for one alert: per incident and member one delivery id (a record
  repeated on the wire after a kill carries the same id, so the publisher drops it), and at the
  fakes each of those deliveries accepted exactly once.

`NAZAR_ALERT_KILLS` sets the number of kills (default 6, alternating story-intake and directive).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter, defaultdict

import httpx
import pytest
from nazar_contracts import topics
from nazar_contracts.alerts import AlertEscalated, AlertRaised, AlertRouted
from nazar_contracts.dispatch import OriginKind
from nazar_contracts.registry import parse_json
from pydantic import BaseModel

from tests.e2e.alerts import alert_body
from tests.e2e.clients import Json, World, call, configure_fake, copies, fake_log, wait_for
from tests.e2e.system import ALERT_ESCALATION_SECONDS, System
from tests.integration.directive.support import requested
from tests.integration.platform.support import read_topic

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

KILLS = int(os.environ.get("NAZAR_ALERT_KILLS", "6"))
PER_ROUND = 8  # alerts raised at once before each kill (and after the last)
VICTIMS = ("story-intake", "directive")
FIELD_RANKS = ("constable", "head_constable", "asi", "si")


async def _raise(world: World, member: str, body: Json, within: float = 240) -> str:
    """As a field app does it: the same Idempotency-Key until an answer, through restarts and
    the lease of a key a killed process left claimed (409)."""
    key = str(uuid.uuid4())
    url = world.system.url("story-intake", "/api/v1/alerts")
    deadline = time.monotonic() + within
    while True:
        try:
            r = await call(
                world.system,
                "POST",
                url,
                token=await world.token(member),
                json=body,
                key=key,
                retry_for=max(0.0, deadline - time.monotonic()),
            )
        except httpx.TransportError:
            r = None
        if r is not None and r.status_code == 201:
            return str(r.json()["id"])
        if time.monotonic() > deadline or (r is not None and r.status_code not in (409,)):
            raise AssertionError(
                f"alert not taken in: {r.status_code if r else None} {r and r.text}"
            )
        await asyncio.sleep(float(r.headers.get("retry-after", "1")) if r is not None else 0.5)


async def _raisers(world: World) -> dict[str, str]:
    """Station → a police member posted there (no consent needed), for every demo station
    that has one."""
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    units = (await call(world.system, "GET", world.directive("/units"), token=adg)).json()
    stations = sorted(u["id"] for u in units if u["kind"] == "police_station")
    found = {}
    for station in stations:
        url = world.directive(f"/dev/members?unit={station}&limit=100")
        for m in (await call(world.system, "GET", url, retry_for=60)).json()["items"]:
            if any(p["role"] in FIELD_RANKS and p["unit_id"] == station for p in m["postings"]):
                found[station] = str(m["member_id"])
                break
    assert len(found) >= 6, found
    return found


async def _chain(world: World, station: str) -> tuple[set[str], str]:
    """The members an immediate alert of the station is routed to (SHO, CO, SP), and the range
    IG it escalates to."""
    sho = await world.refresh(await world.officer("sho", station))
    range_id, district, circle = sho.unit_path[1], sho.unit_path[2], sho.unit_path[3]
    routed = {sho.member_id, await world.officer("co", circle), await world.officer("sp", district)}
    return routed, await world.officer("ig", range_id)


async def _cases(bootstrap: str) -> list[BaseModel]:
    out = []
    for r in await read_topic(bootstrap, topics.ALERT_CASES):
        if r.value is None:
            continue
        ce_type = dict(r.headers)["ce_type"].decode()
        out.append(parse_json(ce_type, r.value))
    return out


async def _raised(bootstrap: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for r in await read_topic(bootstrap, topics.ALERT_EVENTS):
        if r.value is not None:
            event = parse_json(dict(r.headers)["ce_type"].decode(), r.value)
            if isinstance(event, AlertRaised):
                found[event.alert_id] += 1
    return found


async def test_kills_during_routing_lose_no_alert_and_message_no_officer_twice(
    system: System, kafka_bootstrap: str
) -> None:
    world = World(system)
    raisers = await _raisers(world)
    chains = {s: await _chain(world, s) for s in raisers}
    for provider in ("whatsapp", "sms"):
        # Nobody acknowledges; webhooks refused while a service restarts come back soon.
        await configure_fake(system, provider, {"replies": [], "webhook_retry_cap": 2.0})
    rng = random.Random(15)
    tag = uuid.uuid4().hex[:6]
    alerts: dict[str, str] = {}  # alert id → station
    kills: list[str] = []

    async def one(n: int) -> None:
        station = rng.choice(sorted(raisers))
        alert_id = await _raise(world, raisers[station], alert_body(f"{tag}-{n}"))
        alerts[alert_id] = station

    n = 0
    for round_ in range(KILLS + 1):
        batch = [asyncio.create_task(one(n + i)) for i in range(PER_ROUND)]
        n += PER_ROUND
        if round_ < KILLS:
            # Mid-routing: the batch is on its way through story-intake's outbox and the
            # directive's consumer when one of them dies.
            await asyncio.sleep(rng.uniform(0.2, 1.5))
            victim = VICTIMS[round_ % len(VICTIMS)]
            await system.kill_and_restart(victim)
            kills.append(victim)
        await asyncio.gather(*batch)
        await system.processes[VICTIMS[round_ % len(VICTIMS)]].wait_healthy(system.http)
    assert len(alerts) == n, "one alert per raise, whatever the retries"

    async def routed() -> dict[str, AlertRouted]:
        return {
            e.alert_id: e
            for e in await _cases(kafka_bootstrap)
            if isinstance(e, AlertRouted) and e.alert_id in alerts
        }

    async def all_routed() -> bool:
        return set(await routed()) == set(alerts)

    await wait_for(all_routed, 180, 2, "every alert routed")

    async def all_escalated() -> bool:
        up = {e.alert_id for e in await _cases(kafka_bootstrap) if isinstance(e, AlertEscalated)}
        return set(alerts) <= up

    # Nobody acknowledges: every incident reaches its range IG, across the kills too.
    await wait_for(all_escalated, ALERT_ESCALATION_SECONDS + 180, 2, "every alert escalated")

    async def officer_deliveries() -> dict[tuple[str, str], set[str]]:
        """(incident, member) → delivery ids of the alerts' messages on the flash topic."""
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for s in await requested(kafka_bootstrap, topics.DISPATCH_DELIVERIES_FLASH):
            origin = s.data.origin
            if origin is not None and origin.kind is OriginKind.ALERT and origin.id in alerts:
                out[(origin.id, s.data.member_id)].add(s.data.delivery_id)
        return out

    async def all_delivered() -> bool:
        made = {d for ids in (await officer_deliveries()).values() for d in ids}
        return bool(made) and made <= {s.delivery_id for s in await fake_log(system)}

    await wait_for(all_delivered, 240, 2, "every officer's message at a fake")
    await asyncio.sleep(15)  # outlasts the publisher's answer wait: a resend would show now

    raised = await _raised(kafka_bootstrap)
    assert {a: c for a, c in raised.items() if a in alerts and c != 1} == {}
    assert set(alerts) <= set(raised)
    found = await routed()
    deliveries = await officer_deliveries()
    at_fakes = copies(await fake_log(system))
    lost, twice, wrong = [], [], []
    for alert_id, station in alerts.items():
        event = found[alert_id]
        if event.joined:
            continue  # clustered into an open incident: its officers were messaged for that one
        reached = {m for (incident, m) in deliveries if incident == event.incident_id}
        routed_to, ig = chains[station]
        if not routed_to | {ig} <= reached or set(event.officers) != routed_to:
            lost.append((alert_id, station, sorted(routed_to | {ig} - reached)))
    for (incident, member), ids in deliveries.items():
        if len(ids) != 1:
            twice.append((incident, member, sorted(ids)))
        wrong += [(incident, member, d, at_fakes[d]) for d in ids if at_fakes[d] != 1]
    print(
        f"\n{len(alerts)} alerts, kills {Counter(kills)}, {len(deliveries)} officer messages "
        f"(incident × member), {sum(e.joined for e in found.values())} joined an open incident"
    )
    assert (lost, twice, wrong) == ([], [], [])
