"""The alert board on the real path (issue 15): alerts raised as story-intake announces them on
Kafka, routed, escalated, taken, closed and handed over by the case side (its consumer, its
escalation loop with the delays shortened, its POST endpoints), read back through the board's
endpoints: who sees what at each step, the officers' receipts as the publisher reports them, the
history, the live stream and the CSV record.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from directive.domain.alerts import routing_message_id
from nazar_contracts.alerts import AlertKind, Urgency
from nazar_contracts.dispatch import Channel, DispatchDelivered, DispatchSent
from nazar_contracts.ids import delivery_id
from pydantic import BaseModel

from tests.conftest import DatabaseFactory
from tests.integration.directive.alerts_support import (
    AlertWorld,
    alert_service,
    publish,
    raised,
    routed,
)
from tests.integration.directive.support import produce
from tests.integration.platform.support import wait_for

Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture(scope="module")
async def world(kafka_bootstrap: str, databases: DatabaseFactory) -> AsyncIterator[AlertWorld]:
    async with alert_service(
        databases,
        kafka_bootstrap,
        scheduler=True,
        alert_immediate_to_ig_after=4.0,
        alert_soon_to_sp_after=3600.0,
        alert_escalation_interval="PT0.2S",
    ) as w:
        yield w


async def board(c: httpx.AsyncClient, h: dict[str, str], **params: str) -> dict[str, Any]:
    r = await c.get("/api/v1/incidents", params=params, headers=h)
    assert r.status_code == 200, r.text
    return {x["id"]: x for x in r.json()["items"]}


async def _listen(c: httpx.AsyncClient, h: dict[str, str], into: Events) -> None:
    async with c.stream("GET", "/api/v1/incidents/stream", headers=h) as r:
        assert r.status_code == 200
        name = "message"
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                into.append((name, json.loads(line[5:].strip())))


def seen(events: Events, incident_id: str, key: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(n == "incident" and d["id"] == incident_id and d.get(key) for n, d in events)

    return check


async def test_an_alert_from_raised_to_closed_on_the_board(world: AlertWorld) -> None:
    w, api = world, world.api
    station = "PS-BIKANER-11"
    sho, co, sp = (
        w.officer("sho", station),
        w.officer("co", "CIR-BIKANER-1"),
        w.officer("sp", "DST-BIKANER"),
    )
    own, foreign = api.as_("sho", station), api.as_("sho", "PS-BIKANER-12")
    events: Events = []
    async with api.client() as c:
        listener = asyncio.create_task(_listen(c, own, events))
        try:
            await wait_for(_ready(events), within=20)
            event = raised(
                w,
                station=station,
                kind=AlertKind.SUSPICIOUS,
                urgency=Urgency.IMMEDIATE,
                vehicle="RJ07CB4321",
            )
            await publish(w, event)
            await routed(w, event.alert_id)
            incident = event.alert_id
            await wait_for(seen(events, incident, "id"), within=20)  # live, as it opened

            assert incident in await board(c, own)
            assert incident not in await board(c, foreign)
            assert (
                await c.get(f"/api/v1/incidents/{incident}", headers=foreign)
            ).status_code == 403

            # The publisher reports the CO's message delivered: the detail shows it.
            message = str(routing_message_id(event.alert_id))
            now = datetime.now(UTC)
            items: list[tuple[str, BaseModel]] = [
                (
                    api.topics.receipts,
                    kind(
                        delivery_id=delivery_id(message, co),
                        message_id=message,
                        member_id=co,
                        at=now,
                        channel=Channel.WHATSAPP,
                        provider_message_id=f"wa-{co}",
                    ),
                )
                for kind in (DispatchSent, DispatchDelivered)
            ]
            await produce(api.bootstrap, items, source="/nazar/social-publisher")

            async def delivered() -> bool:
                d = (await c.get(f"/api/v1/incidents/{incident}", headers=own)).json()
                return any(
                    o["officer"]["member_id"] == co and o["receipt"] == "delivered"
                    for o in d["officers"]
                )

            await wait_for(delivered, within=30)

            # Nobody acknowledges: the escalation loop sends it to the range IG.
            ig = api.as_("ig", "RNG-BIKANER")

            async def escalated() -> bool:
                return bool((await board(c, ig)).get(incident, {}).get("stage") == "ig")

            await wait_for(escalated, within=30)
            await wait_for(_escalated_live(events, incident), within=20)

            took = await c.post(f"/api/v1/incidents/{incident}/take", headers=own)
            assert took.status_code == 200, took.text
            await wait_for(seen(events, incident, "taken_by"), within=20)
            row = (await board(c, api.as_("co", "CIR-BIKANER-1")))[incident]
            assert row["taken_by"]["member_id"] == sho and row["taken_by"]["role"] == "sho"

            closed = await c.post(
                f"/api/v1/incidents/{incident}/close",
                json={"outcome": "arrest_made"},
                headers=own,
            )
            assert closed.status_code == 200, closed.text
            await wait_for(seen(events, incident, "outcome"), within=20)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

        assert incident not in await board(c, own)
        done = (await board(c, own, state="closed"))[incident]
        assert done["outcome"] == "arrest_made" and done["closed_by"]["member_id"] == sho
        d = (await c.get(f"/api/v1/incidents/{incident}", headers=own)).json()
        assert d["alerts"][0]["vehicle_number"] == "RJ07CB4321"
        assert d["alerts"][0]["raiser"]["member_id"] == event.raised_by
        assert d["alerts"][0]["raiser"]["role"] == "gram_rakshak"
        messaged = {o["officer"]["member_id"]: o["stage"] for o in d["officers"]}
        assert messaged[sho] == messaged[co] == messaged[sp] == "routed"
        assert "ig" in messaged.values()
        whats = [h["what"] for h in d["history"]]
        assert whats[0] == "raised" and whats[1] == "routed"
        assert {"escalated", "taken", "closed"} <= set(whats)
        assert whats.index("escalated") < whats.index("taken") < whats.index("closed")

        record = await c.get("/api/v1/incidents/export.csv", headers=own)
        rows = list(csv.DictReader(io.StringIO(record.content.decode("utf-8-sig"))))
        assert [(x["alert_id"], x["outcome"]) for x in rows] == [(incident, "arrest_made")]
        other = await c.get("/api/v1/incidents/export.csv", headers=foreign)
        assert event.raised_by not in other.content.decode("utf-8-sig")


async def test_a_handed_over_alert_is_seen_by_both_stations_and_not_a_third(
    world: AlertWorld,
) -> None:
    w, api = world, world.api
    event = raised(w, station="PS-BIKANER-12", kind=AlertKind.ROAD_ACCIDENT)
    await publish(w, event)
    await routed(w, event.alert_id)
    incident = event.alert_id
    async with api.client() as c:
        moved = await c.post(
            f"/api/v1/incidents/{incident}/hand-over",
            json={"station_id": "PS-CHURU-11"},
            headers=api.as_("sho", "PS-BIKANER-12"),
        )
        assert moved.status_code == 200, moved.text
        for role, unit in (("sho", "PS-BIKANER-12"), ("sho", "PS-CHURU-11"), ("sp", "DST-CHURU")):
            row = (await board(c, api.as_(role, unit))).get(incident)
            assert row is not None and row["station"]["id"] == "PS-CHURU-11", (role, unit)
        for role, unit in (("sho", "PS-CHURU-12"), ("sho", "PS-BIKANER-21")):
            assert incident not in await board(c, api.as_(role, unit)), (role, unit)


def _escalated_live(events: Events, incident_id: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(
            n == "incident" and d["id"] == incident_id and d["stage"] == "ig" for n, d in events
        )

    return check


def _ready(events: Events) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(n == "ready" for n, _ in events)

    return check
