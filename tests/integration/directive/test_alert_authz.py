"""The authorization matrix of the directive's alert endpoints: every endpoint × role × own /
foreign unit (and no token at all).

The incidents are at PS-BIKANER-11 (immediate: routed to its SHO, the CO of CIR-BIKANER-1 and the
SP of Bikaner). "Own" is that chain (and the range IG above it); "foreign" is the nearest unit
beside it: the other station of the same circle, the other circle of the district, the other
district of the range, the other range. Field ranks and volunteers of the station itself and the
Home Department never hold `alert.receive`. Besides the status, a list, stream or record given to
a foreign officer must hold nothing of the incident: not its id, not its raiser.

Every operation under /api/v1/incidents in the service's OpenAPI has a row here, and every row is
an operation of the service: the board's reads and the case's take, close and hand-over.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.directive import board_support as fx
from tests.integration.directive.api_support import Api, running_service

STATION, OTHER_STATION = "PS-BIKANER-11", "PS-BIKANER-12"
LABELS = {
    "sho_own": ("sho", STATION),
    "sho_foreign": ("sho", OTHER_STATION),
    "co_own": ("co", "CIR-BIKANER-1"),
    "co_foreign": ("co", "CIR-BIKANER-2"),
    "sp_own": ("sp", "DST-BIKANER"),
    "sp_foreign": ("sp", "DST-CHURU"),
    "ig_own": ("ig", "RNG-BIKANER"),
    "ig_foreign": ("ig", "CP-JAIPUR"),
    "adg": ("adg", "PHQ"),
    "home_secretary": ("home_secretary", "PHQ"),
    "constable_own": ("constable", STATION),
    "constable_foreign": ("constable", "PS-JAIPUR-EAST-11"),
    "volunteer_own": ("gram_rakshak", STATION),
    "volunteer_foreign": ("gram_rakshak", "PS-JAIPUR-EAST-11"),
}
OWN = {"sho_own", "co_own", "sp_own", "ig_own", "adg"}
OFFICERS = OWN | {"sho_foreign", "co_foreign", "sp_foreign", "ig_foreign"}


@dataclass
class World:
    api: Api
    who: dict[str, dict[str, str]]
    raiser: str
    fresh: Callable[[], Awaitable[str]]  # a new open incident at STATION


@pytest.fixture(scope="module")
async def world(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[World]:
    async with running_service(databases, kafka_bootstrap) as api:
        r = api.roster
        who = {
            label: api.token(r.by_role[(role, unit)][0], f"{role}:{unit}", language="hi")
            for label, (role, unit) in LABELS.items()
        }
        raiser = r.by_role[("gram_rakshak", STATION)][0]
        shown = await fx.open_incident(api.pool, r, "AZ-OPEN", STATION, raiser=raiser)
        closed = await fx.open_incident(
            api.pool, r, "AZ-CLOSED", STATION, raiser=raiser, opened_at=fx.AT - timedelta(hours=1)
        )
        await fx.take(api.pool, closed, r.one("sho", STATION), fx.AT - timedelta(minutes=50))
        await fx.close(
            api.pool, closed, r.one("sho", STATION), "attended", fx.AT - timedelta(minutes=40)
        )
        assert shown.id == "AZ-OPEN"
        counter = itertools.count()

        async def fresh() -> str:
            found = await fx.open_incident(
                api.pool, r, f"AZ-{next(counter)}", STATION, raiser=raiser
            )
            return found.id

        yield World(api, who, raiser, fresh)


Call = Callable[[httpx.AsyncClient, World, dict[str, str]], Awaitable[httpx.Response]]


async def _stream(c: httpx.AsyncClient, _w: World, h: dict[str, str]) -> httpx.Response:
    # The first event (`ready`) says the stream was opened to the caller.
    async with c.stream("GET", "/api/v1/incidents/stream", headers=h) as r:
        if r.status_code == 200:
            async for line in r.aiter_lines():
                if line.startswith("data:"):
                    break
        else:
            await r.aread()
        return r


def get(path: str) -> Call:
    async def call(c: httpx.AsyncClient, w: World, h: dict[str, str]) -> httpx.Response:
        return await c.get(path, headers=h)

    return call


def post(action: str, body: dict[str, object]) -> Call:
    async def call(c: httpx.AsyncClient, w: World, h: dict[str, str]) -> httpx.Response:
        incident = await w.fresh()  # each call on its own case: one caller's change is not
        return await c.post(f"/api/v1/incidents/{incident}/{action}", json=body, headers=h)

    return call


# (method, OpenAPI path) → (call, who is allowed, does the answer list what the caller sees)
MATRIX: dict[tuple[str, str], tuple[Call, set[str], bool]] = {
    ("get", "/api/v1/incidents"): (get("/api/v1/incidents"), OFFICERS, True),
    # What a stream shows whom: test_alert_board's stream test.
    ("get", "/api/v1/incidents/stream"): (_stream, OFFICERS, False),
    ("get", "/api/v1/incidents/export.csv"): (
        get("/api/v1/incidents/export.csv"),
        OFFICERS,
        True,
    ),
    ("get", "/api/v1/incidents/{incident_id}"): (get("/api/v1/incidents/AZ-OPEN"), OWN, False),
    ("post", "/api/v1/incidents/{incident_id}/take"): (post("take", {}), OWN, False),
    ("post", "/api/v1/incidents/{incident_id}/close"): (
        post("close", {"outcome": "attended"}),
        OWN,
        False,
    ),
    ("post", "/api/v1/incidents/{incident_id}/hand-over"): (
        post("hand-over", {"station_id": OTHER_STATION}),
        OWN,
        False,
    ),
}


async def operations(api: Api) -> set[tuple[str, str]]:
    async with api.client() as c:
        paths = (await c.get("/openapi.json")).json()["paths"]
    return {
        (method, path)
        for path, ops in paths.items()
        if path.startswith("/api/v1/incidents")
        for method in ops
    }


async def test_every_alert_endpoint_is_in_the_matrix(world: World) -> None:
    found = await operations(world.api)
    assert found - set(MATRIX) == set(), "an alert endpoint without its authorization row"
    assert set(MATRIX) - found == set(), "a row of the matrix for no endpoint"


@pytest.mark.parametrize("operation", list(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
async def test_matrix(world: World, operation: tuple[str, str]) -> None:
    call, allowed, lists = MATRIX[operation]
    async with world.api.client() as c:
        anonymous = await call(c, world, {})
        assert anonymous.status_code == 401, anonymous.text
        for label, headers in world.who.items():
            r = await call(c, world, {**headers, "Accept-Language": "hi"})
            if label not in allowed:
                assert r.status_code == 403, (label, r.status_code)
                assert r.json()["code"] == "access.forbidden"
                assert "अनुमति" in r.json()["title"]
                continue
            assert 200 <= r.status_code < 300 or r.status_code == 409, (label, r.status_code)
            if lists:
                body = r.text
                holds = "AZ-OPEN" in body or "AZ-CLOSED" in body
                assert holds == (label in OWN), label
                if label not in OWN:
                    assert world.raiser not in body, label
