"""The alert board's reads on one running service: who sees which incident (the SQL against the
pure rule, and by name), the orders and paging, one incident's alerts, officers, receipts and
history, the CSV record, and the live stream.

The incidents are written as the case side leaves them (`board_support`):
  B1  PS-BIKANER-11, immediate, two alerts (a volunteer's with a photo and a vehicle; a
      constable's), taken by the SHO; the CO's message delivered, the SP's read
  B2  PS-BIKANER-12, soon, nobody has taken it (the oldest unacknowledged of Bikaner 1)
  B3  PS-BIKANER-21, closed: FIR registered
  J1  PS-JAIPUR-EAST-11, soon, escalated to the Jaipur commissioner (stage ig)
  C1  raised at PS-CHURU-11, handed over to PS-BIKANER-22
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from directive.domain.board import Viewer, sees

from tests.conftest import DatabaseFactory
from tests.integration.directive import board_support as fx
from tests.integration.directive.api_support import Api, running_service
from tests.integration.platform.support import wait_for

AT = fx.AT
PHOTO = {
    "sha256": "a" * 64,
    "size": 48213,
    "media_type": "image/jpeg",
    "url": "https://story.example.in/media/alerts/aaaa?exp=1&sig=x",
    "url_expires_at": "2026-12-03T07:30:00Z",
}
VIEWERS = {
    "adg": ("adg", "PHQ"),
    "ig_bikaner": ("ig", "RNG-BIKANER"),
    "ig_jaipur": ("ig", "CP-JAIPUR"),
    "sp_bikaner": ("sp", "DST-BIKANER"),
    "sp_churu": ("sp", "DST-CHURU"),
    "sp_jaipur": ("sp", "DST-JAIPUR-EAST"),
    "co_bikaner_1": ("co", "CIR-BIKANER-1"),
    "co_bikaner_2": ("co", "CIR-BIKANER-2"),
    "co_churu_1": ("co", "CIR-CHURU-1"),
    "sho_bikaner_11": ("sho", "PS-BIKANER-11"),
    "sho_bikaner_12": ("sho", "PS-BIKANER-12"),
    "sho_bikaner_22": ("sho", "PS-BIKANER-22"),
    "sho_churu_11": ("sho", "PS-CHURU-11"),
    "sho_jaipur_11": ("sho", "PS-JAIPUR-EAST-11"),
}
# What each sees, by the rule: their units contain the station, or it was sent to them.
EXPECTED = {
    "adg": {"B1", "B2", "B3", "J1", "C1"},
    "ig_bikaner": {"B1", "B2", "B3", "C1"},  # Churu is in the Bikaner range too
    "ig_jaipur": {"J1"},
    "sp_bikaner": {"B1", "B2", "B3", "C1"},
    "sp_churu": {"C1"},  # routed to them before the hand-over
    "sp_jaipur": {"J1"},
    "co_bikaner_1": {"B1", "B2"},
    "co_bikaner_2": {"B3", "C1"},
    "co_churu_1": {"C1"},
    "sho_bikaner_11": {"B1"},
    "sho_bikaner_12": {"B2"},
    "sho_bikaner_22": {"C1"},
    "sho_churu_11": {"C1"},
    "sho_jaipur_11": {"J1"},
}


@dataclass
class World:
    api: Api
    incidents: dict[str, fx.Incident]
    raiser: str


@pytest.fixture(scope="module")
async def world(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[World]:
    async with running_service(databases, kafka_bootstrap) as api:
        r, pool = api.roster, api.pool
        volunteer = r.by_role[("gram_rakshak", "PS-BIKANER-11")][0]
        b1 = await fx.open_incident(
            pool, r, "B1", "PS-BIKANER-11", raiser=volunteer, opened_at=AT,
            vehicle_number="RJ07CA1234", photos=[PHOTO],
        )  # fmt: skip
        await fx.join(pool, b1, "B1-2", raiser=r.by_role[("constable", "PS-BIKANER-11")][0], at=AT)
        sho, co, sp = (m for m, _ in fx.chain(r, "PS-BIKANER-11"))
        await fx.receipt(pool, b1, co, 2, AT + timedelta(seconds=20))
        await fx.receipt(pool, b1, sp, 3, AT + timedelta(seconds=40))
        await fx.take(pool, b1, sho, AT + timedelta(minutes=2))
        b2 = await fx.open_incident(
            pool, r, "B2", "PS-BIKANER-12", raiser=r.by_role[("gram_rakshak", "PS-BIKANER-12")][0],
            urgency="soon", kind="illegal_mining", opened_at=AT + timedelta(minutes=5),
        )  # fmt: skip
        b3 = await fx.open_incident(
            pool, r, "B3", "PS-BIKANER-21", raiser=r.by_role[("constable", "PS-BIKANER-21")][0],
            raiser_role="constable", kind="liquor_narcotics", opened_at=AT - timedelta(minutes=30),
        )  # fmt: skip
        b3_sho = r.one("sho", "PS-BIKANER-21")
        await fx.take(pool, b3, b3_sho, AT - timedelta(minutes=25))
        await fx.close(
            pool, b3, b3_sho, "fir_registered", AT - timedelta(minutes=5), "FIR 0456/2026"
        )
        j1 = await fx.open_incident(
            pool, r, "J1", "PS-JAIPUR-EAST-11",
            raiser=r.by_role[("suraksha_sakhi", "PS-JAIPUR-EAST-11")][0], urgency="soon",
            opened_at=AT + timedelta(minutes=1),
        )  # fmt: skip
        await fx.message_officers(
            pool, j1, [(r.one("ig", "CP-JAIPUR"), "ig")], "ig", AT + timedelta(minutes=61)
        )
        c1 = await fx.open_incident(
            pool, r, "C1", "PS-CHURU-11", raiser=r.by_role[("gram_rakshak", "PS-CHURU-11")][0],
            kind="road_accident", opened_at=AT + timedelta(minutes=3),
        )  # fmt: skip
        await fx.hand_over(pool, c1, "PS-BIKANER-22")
        yield World(api, {"B1": b1, "B2": b2, "B3": b3, "J1": j1, "C1": c1}, volunteer)


Events = list[tuple[str, dict[str, Any]]]


async def listed(
    c: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        q = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
        r = await c.get("/api/v1/incidents", params=q, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_each_officer_sees_exactly_what_the_rule_gives(world: World) -> None:
    api = world.api
    stations = {i.id: i.station for i in world.incidents.values()}
    officers = {i.id: set(i.officers) for i in world.incidents.values()}
    async with api.client() as c:
        for label, (role, unit) in VIEWERS.items():
            h = api.as_(role, unit)
            seen = {x["id"] for x in await listed(c, h)} | {
                x["id"] for x in await listed(c, h, state="closed")
            }
            everywhere = role == "adg"
            viewer = Viewer(
                api.roster.one(role, unit),
                everywhere,
                frozenset() if everywhere else frozenset({unit}),
            )
            rule = {
                i
                for i, station in stations.items()
                if sees(viewer, station_path=api.roster.unit_paths[station], officers=officers[i])
            }
            assert seen == rule == EXPECTED[label], label
            # The detail follows the list: every other incident is refused.
            for i in stations:
                d = await c.get(f"/api/v1/incidents/{i}", headers=h)
                assert d.status_code == (200 if i in seen else 403), (label, i, d.text)


async def test_field_ranks_volunteers_and_the_home_department_never_see_the_board(
    world: World,
) -> None:
    api = world.api
    station = "PS-BIKANER-11"
    callers = {
        "constable": api.token(api.roster.by_role[("constable", station)][0],
                               f"constable:{station}"),
        "volunteer": api.token(world.raiser, f"gram_rakshak:{station}", language="hi"),
        "home_secretary": api.as_("home_secretary", "PHQ"),
    }  # fmt: skip
    async with api.client() as c:
        for who, h in callers.items():
            for path in ("/incidents", "/incidents/B1", "/incidents/export.csv"):
                r = await c.get(f"/api/v1{path}", headers={**h, "Accept-Language": "hi"})
                assert r.status_code == 403, (who, path)
                assert r.json()["code"] == "access.forbidden"
                assert "अनुमति" in r.json()["title"]
                assert world.raiser not in r.text


async def test_orders_and_what_a_row_says(world: World) -> None:
    api = world.api
    h = api.as_("sp", "DST-BIKANER")
    async with api.client() as c:
        newest = await listed(c, h)
        oldest = await listed(c, h, order="oldest_unacknowledged")
        closed = await listed(c, h, state="closed")
    assert [x["id"] for x in newest] == ["B2", "C1", "B1"]
    assert [x["id"] for x in oldest] == ["C1", "B2", "B1"]  # untaken first, oldest first
    b1 = next(x for x in newest if x["id"] == "B1")
    assert b1["alert_count"] == 2 and b1["kind"] == "crowd_tension"
    assert b1["urgency"] == "immediate" and b1["stage"] == "routed"
    assert b1["place"]["text"] == fx.PLACE
    assert b1["station"] == {"id": "PS-BIKANER-11", "name": {"hi": "थाना 1", "en": "Station 1"}}
    assert b1["taken_by"]["member_id"] == api.roster.one("sho", "PS-BIKANER-11")
    assert b1["taken_by"]["role"] == "sho" and b1["taken_by"]["name"]["hi"]
    assert b1["age_seconds"] > 0 and b1["outcome"] is None
    c1 = next(x for x in newest if x["id"] == "C1")
    assert c1["station"]["id"] == "PS-BIKANER-22" and c1["taken_by"] is None
    [b3] = closed
    assert b3["outcome"] == "fir_registered" and b3["fir_number"] == "FIR 0456/2026"
    assert b3["closed_by"]["role"] == "sho" and b3["age_seconds"] == 25 * 60


async def test_one_incident_with_alerts_receipts_and_history(world: World) -> None:
    api = world.api
    r = world.api.roster
    sho, co, sp = (m for m, _ in fx.chain(r, "PS-BIKANER-11"))
    async with api.client() as c:
        got = await c.get("/api/v1/incidents/B1", headers=api.as_("co", "CIR-BIKANER-1"))
    assert got.status_code == 200, got.text
    d = got.json()
    first, second = d["alerts"]
    assert first["id"] == "B1" and first["text"] == fx.ALERT_TEXT
    assert first["vehicle_number"] == "RJ07CA1234"
    assert first["photos"][0]["url"] == PHOTO["url"]
    assert first["raiser"]["member_id"] == world.raiser
    assert first["raiser"]["role"] == "gram_rakshak" and first["raiser"]["name"]["hi"]
    assert first["place"]["accuracy_m"] == 12.5
    assert second["raiser"]["role"] == "constable"
    receipts = {o["officer"]["member_id"]: o for o in d["officers"]}
    assert receipts[sho]["receipt"] == "acknowledged" and receipts[sho]["acknowledged_at"]
    assert receipts[co]["receipt"] == "delivered" and receipts[co]["delivered_at"]
    assert receipts[sp]["receipt"] == "read" and receipts[sp]["read_at"]
    assert receipts[co]["unit"] == {
        "id": "CIR-BIKANER-1",
        "name": {"hi": "वृत्त बीकानेर 1", "en": "Circle 1"},
    }
    assert [(h["what"], h.get("by")) for h in d["history"]] == [
        ("raised", world.raiser),
        ("raised", r.by_role[("constable", "PS-BIKANER-11")][0]),
        ("routed", None),
        ("acknowledged", sho),
        ("taken", sho),
    ]
    assert sorted(d["history"][2]["members"]) == sorted([sho, co, sp])
    async with api.client() as c:
        missing = await c.get(
            "/api/v1/incidents/NO-SUCH", headers={**api.as_("adg", "PHQ"), "Accept-Language": "hi"}
        )
    assert missing.status_code == 404
    assert missing.json()["code"] == "directive.incident_not_found"
    assert "अलर्ट" in missing.json()["detail"]


async def test_the_closed_record_as_csv(world: World) -> None:
    api = world.api
    async with api.client() as c:
        own = await c.get("/api/v1/incidents/export.csv", headers=api.as_("sp", "DST-BIKANER"))
        foreign = await c.get(
            "/api/v1/incidents/export.csv", headers=api.as_("sp", "DST-JAIPUR-EAST")
        )
        window = await c.get(
            "/api/v1/incidents/export.csv",
            params={"from": "2026-12-03T11:50:00+05:30", "to": "2026-12-03T12:00:00+05:30"},
            headers=api.as_("adg", "PHQ"),
        )
        later = await c.get(
            "/api/v1/incidents/export.csv",
            params={"from": "2026-12-03T12:00:00+05:30", "to": "2026-12-03T12:05:00+05:30"},
            headers=api.as_("adg", "PHQ"),
        )
    assert own.status_code == 200
    assert own.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(own.content.decode("utf-8-sig"))))
    assert [(x["incident_id"], x["alert_id"]) for x in rows] == [("B3", "B3")]
    assert rows[0]["outcome"] == "fir_registered" and rows[0]["fir_number"] == "FIR 0456/2026"
    assert rows[0]["text"] == fx.ALERT_TEXT and rows[0]["station_name_hi"] == "थाना 1"
    assert rows[0]["raiser_role"] == "कांस्टेबल / Constable"
    assert rows[0]["closed_by_role"] == "थानाधिकारी / SHO"
    assert rows[0]["taken_by"] == rows[0]["closed_by"] == api.roster.one("sho", "PS-BIKANER-21")
    assert len(list(csv.DictReader(io.StringIO(foreign.content.decode("utf-8-sig"))))) == 0
    # B3 closed at 06:25 UTC (11:55 in India): inside [11:50, 12:00) IST, outside [12:00, …).
    assert [x["incident_id"] for x in _rows(window)] == ["B3"]
    assert _rows(later) == []


def _rows(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


async def _events(c: httpx.AsyncClient, headers: dict[str, str], into: Events) -> None:
    async with c.stream("GET", "/api/v1/incidents/stream", headers=headers) as r:
        assert r.status_code == 200
        name = "message"
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                into.append((name, json.loads(line[5:].strip())))


async def test_the_stream_shows_changes_to_those_who_see_them(world: World) -> None:
    api = world.api
    r = api.roster
    mine: Events = []
    foreign: Events = []
    async with api.client() as c:
        tasks = [
            asyncio.create_task(_events(c, api.as_("sho", "PS-BIKANER-12"), mine)),
            asyncio.create_task(_events(c, api.as_("sho", "PS-JAIPUR-EAST-11"), foreign)),
        ]
        try:
            await wait_for(_has(mine, "ready"), within=20)
            await wait_for(_has(foreign, "ready"), within=20)
            b2 = world.incidents["B2"]
            sho = r.one("sho", "PS-BIKANER-12")
            await fx.take(api.pool, b2, sho, AT + timedelta(minutes=7))
            await wait_for(_incident(mine, "B2", "taken_by"), within=20)
            await fx.close(api.pool, b2, sho, "false_alarm", AT + timedelta(minutes=9))
            await wait_for(_incident(mine, "B2", "outcome"), within=20)
            b4 = await fx.open_incident(
                api.pool, r, "B4", "PS-BIKANER-12",
                raiser=r.by_role[("constable", "PS-BIKANER-12")][0], raiser_role="constable",
                opened_at=AT + timedelta(minutes=10),
            )  # fmt: skip
            await wait_for(_incident(mine, b4.id, "id"), within=20)
            await asyncio.sleep(3 * api.settings.reach_stream_interval.total_seconds())
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    taken = [d for n, d in mine if n == "incident" and d["id"] == "B2" and d["taken_by"]]
    assert taken[0]["taken_by"]["member_id"] == sho
    closed = [d for n, d in mine if n == "incident" and d["id"] == "B2" and d["outcome"]]
    assert closed[-1]["outcome"] == "false_alarm"
    assert [n for n, _ in foreign] == ["ready"]  # nothing of Bikaner's reaches Jaipur


def _has(events: Events, name: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(n == name for n, _ in events)

    return check


def _incident(events: Events, incident_id: str, key: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(n == "incident" and d["id"] == incident_id and d.get(key) for n, d in events)

    return check
