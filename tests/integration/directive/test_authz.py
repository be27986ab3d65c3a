"""The authorization matrix: every endpoint × role × own / foreign unit (and no token at all).

The directive targets the Bikaner range (districts Bikaner and Churu) and Bikaner has relayed.
"Own" is the Bikaner side (the SP of Bikaner, the IG of the Bikaner range, a CO and SHO in
Bikaner), "foreign" is a unit the directive does not reach (the Jaipur commissionerate) or, for
relaying and notes, the other district of the range (Churu). Besides the status of every call,
a 200 must not leak: a scoped reader never sees a unit outside their scope, an inbox never shows
another member's delivery.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.integration.directive.api_support import Api, field_member, running_service
from tests.integration.directive.test_api import PDF, issue, settled

CIR_B = "CIR-BIKANER-1"
CIR_C = "CIR-CHURU-1"
CIR_J = "CIR-JAIPUR-EAST-1"
PS_B = "PS-BIKANER-11"
PS_J = "PS-JAIPUR-EAST-11"


@dataclass
class World:
    api: Api
    directive: str
    attachment: str
    who: dict[str, dict[str, str]]  # role label → headers
    member_of: dict[str, str]  # role label → member id


@pytest.fixture(scope="module")
async def world(databases: DatabaseFactory, kafka_bootstrap: str) -> AsyncIterator[World]:
    async with running_service(databases, kafka_bootstrap) as api:
        r = api.roster
        labels = {
            "adg": ("adg", "BR-CRIME"),
            "home_secretary": ("home_secretary", "PHQ"),
            "police_pro": ("police_pro", "PHQ"),
            "ig_own": ("ig", "RNG-BIKANER"),
            "ig_foreign": ("ig", "CP-JAIPUR"),
            "sp_own": ("sp", "DST-BIKANER"),
            "sp_other": ("sp", "DST-CHURU"),
            "sp_foreign": ("sp", "DST-JAIPUR-EAST"),
            "co_own": ("co", CIR_B),
            "co_other": ("co", CIR_C),
            "co_foreign": ("co", CIR_J),
            "sho_own": ("sho", PS_B),
            "sho_foreign": ("sho", PS_J),
        }
        who = {label: api.as_(role, unit) for label, (role, unit) in labels.items()}
        member_of = {label: r.one(role, unit) for label, (role, unit) in labels.items()}
        member_of["constable_own"] = field_member(api, PS_B)
        member_of["constable_foreign"] = field_member(api, PS_J)
        member_of["volunteer_own"] = r.by_role[("gram_rakshak", PS_B)][0]
        who["constable_own"] = api.token(member_of["constable_own"], f"constable:{PS_B}")
        who["constable_foreign"] = api.token(member_of["constable_foreign"], f"constable:{PS_J}")
        who["volunteer_own"] = api.token(member_of["volunteer_own"], f"gram_rakshak:{PS_B}")
        async with api.client() as c:
            up = await c.post(
                "/api/v1/attachments",
                headers=who["adg"],
                files={"file": ("a.pdf", PDF, "application/pdf")},
            )
            assert up.status_code == 201
        d = await issue(api, attachment_ids=[up.json()["id"]])
        async with api.client() as c:
            relayed = await c.post(
                f"/api/v1/directives/{d['id']}/relays",
                json={"district_id": "DST-BIKANER"},
                headers=who["sp_own"],
            )
            assert relayed.status_code == 201
        await settled(api, str(d["id"]))
        yield World(api, str(d["id"]), up.json()["id"], who, member_of)


Call = Callable[[httpx.AsyncClient, World, dict[str, str]], Awaitable[httpx.Response]]
ALL = [
    "adg", "home_secretary", "police_pro", "ig_own", "ig_foreign", "sp_own", "sp_other",
    "sp_foreign", "co_own", "co_other", "co_foreign", "sho_own", "sho_foreign", "constable_own",
    "constable_foreign", "volunteer_own",
]  # fmt: skip
READERS_OWN = {
    "adg",
    "home_secretary",
    "ig_own",
    "sp_own",
    "sp_other",
    "co_own",
    "co_other",
    "sho_own",
}


def expect(allowed: set[str], ok: int = 200, refused: int = 403) -> dict[str, int]:
    return {label: ok if label in allowed else refused for label in ALL}


def get(path: str) -> Call:
    async def call(c: httpx.AsyncClient, w: World, h: dict[str, str]) -> httpx.Response:
        return await c.get(path.format(d=w.directive, a=w.attachment), headers=h)

    return call


def post(path: str, body: dict[str, object]) -> Call:
    async def call(c: httpx.AsyncClient, w: World, h: dict[str, str]) -> httpx.Response:
        return await c.post(path.format(d=w.directive), json=body, headers=h)

    return call


def stream(path: str) -> Call:
    async def call(c: httpx.AsyncClient, w: World, h: dict[str, str]) -> httpx.Response:
        async with c.stream("GET", path.format(d=w.directive), headers=h) as response:
            if response.status_code >= 400:
                await response.aread()
            return response  # headers only for a stream that opened: it would run for ever

    return call


ISSUE = {
    "title": {"hi": "परीक्षण"},
    "body": {"hi": "परीक्षण निर्देश"},
    "audience": {"unit_ids": ["DST-CHURU"]},
}
# Refused calls never change anything; the allowed ones that would (issue, update, relay, note)
# are each proven in test_api / test_cascade, so here they are sent where a 2xx does no harm.
MATRIX: list[tuple[str, Call, dict[str, int]]] = [
    ("issue", post("/api/v1/directives", ISSUE), expect({"adg", "home_secretary"}, 201)),
    (
        "list",
        get("/api/v1/directives"),
        expect(READERS_OWN | {"ig_foreign", "sp_foreign", "co_foreign", "sho_foreign"}),
    ),
    ("detail", get("/api/v1/directives/{d}"), expect(READERS_OWN)),
    (
        "update",
        post(
            "/api/v1/directives/{d}/updates",
            {"title": {"hi": "संशोधन"}, "body": {"hi": "संशोधित पाठ"}},
        ),
        expect({"adg", "home_secretary"}, 201),
    ),
    (
        "relay Bikaner",
        post("/api/v1/directives/{d}/relays", {"district_id": "DST-BIKANER"}),
        {**expect(set()), "sp_own": 409},
    ),  # allowed, and Bikaner has relayed already
    (
        "relay Jaipur",
        post("/api/v1/directives/{d}/relays", {"district_id": "DST-JAIPUR-EAST"}),
        {**expect(set()), "sp_foreign": 422},
    ),  # allowed there, but not in this directive
    (
        "note",
        post("/api/v1/directives/{d}/notes", {"circle_id": CIR_B, "text": "टिप्पणी"}),
        expect({"co_own"}, 201),
    ),
    (
        "note Churu",
        post("/api/v1/directives/{d}/notes", {"circle_id": CIR_C, "text": "x"}),
        {**expect(set()), "co_other": 404},
    ),  # allowed there, but Churu has not been relayed to
    ("reach", get("/api/v1/directives/{d}/reach"), expect(READERS_OWN)),
    ("reach stream", stream("/api/v1/directives/{d}/reach/stream"), expect(READERS_OWN)),
    ("laggards", get("/api/v1/directives/{d}/laggards"), expect(READERS_OWN)),
    ("export stations", get("/api/v1/directives/{d}/export.csv"), expect(READERS_OWN)),
    ("export members", get("/api/v1/directives/{d}/export.csv?per=member"), expect(READERS_OWN)),
    (
        "ack",
        post("/api/v1/directives/{d}/ack", {}),
        {
            **expect(
                {
                    "sp_own",
                    "sp_other",
                    "ig_own",
                    "home_secretary",
                    "police_pro",
                    "co_own",
                    "sho_own",
                    "constable_own",
                    "volunteer_own",
                }
            ),
            "adg": 404,
            "ig_foreign": 404,
            "sp_foreign": 404,
            "co_other": 404,
            "co_foreign": 404,
            "sho_foreign": 404,
            "constable_foreign": 404,
        },
    ),  # everyone may acknowledge what reached them; nothing else
    ("inbox", get("/api/v1/inbox"), expect(set(ALL))),
    (
        "attachment",
        get("/api/v1/attachments/{a}"),
        expect(READERS_OWN | {"police_pro", "constable_own", "volunteer_own"}),
    ),
    (
        "upload",
        lambda c, w, h: c.post(
            "/api/v1/attachments", headers=h, files={"file": ("a.pdf", PDF, "application/pdf")}
        ),
        expect({"adg", "home_secretary"}, 201),
    ),
    ("units", get("/api/v1/units"), expect(set(ALL))),
]


@pytest.mark.parametrize(("name", "call", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
async def test_matrix(world: World, name: str, call: Call, expected: dict[str, int]) -> None:
    got: dict[str, int] = {}
    async with world.api.client() as c:
        for label in ALL:
            response = await call(c, world, world.who[label])
            got[label] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
            elif response.headers.get("content-type", "").startswith("application/json"):
                leak_check(world, label, name, response.json())
        anonymous = await call(c, world, {})
        assert anonymous.status_code == 401, name
    assert got == expected


OUTSIDE = {
    "sp_own": ("DST-CHURU", CIR_C, "RNG-BIKANER"),
    "sp_other": ("DST-BIKANER", CIR_B, "RNG-BIKANER"),
    "co_own": ("DST-CHURU", CIR_C, "CIR-BIKANER-2"),
    "sho_own": ("CIR-BIKANER-2", "PS-BIKANER-12", CIR_C),
}


def leak_check(world: World, label: str, name: str, body: object) -> None:
    text = str(body)
    if label in OUTSIDE and name in ("reach", "laggards", "detail"):
        for unit in OUTSIDE[label]:
            assert f"'unit_id': '{unit}'" not in text and f"'district_id': '{unit}'" not in text, (
                label,
                name,
                unit,
            )
    if name == "list" and label.endswith("_foreign"):
        assert isinstance(body, dict) and body["items"] == [], (label, body)


async def test_inboxes_show_only_their_own_deliveries(world: World) -> None:
    async with world.api.client() as c:
        for label in ALL:
            body = (await c.get("/api/v1/inbox?limit=500", headers=world.who[label])).json()
            rows = await world.api.pool.fetch(
                "SELECT id FROM deliveries WHERE member_id = $1", world.member_of[label]
            )
            assert {i["delivery_id"] for i in body["items"]} <= {str(r["id"]) for r in rows}
            assert len(body["items"]) == len(rows), label


async def test_scoped_exports_and_stream_hold_nothing_of_another_district(world: World) -> None:
    """The SP of Churu may read the directive (it targets Churu too), but neither the CSV
    exports nor the live stream carry a unit or a member of Bikaner."""
    r = world.api.roster
    bikaner = {u for u in r.unit_paths if "DST-BIKANER" in r.unit_paths[u]}
    bikaner_members = set().union(*(r.circle_members[c] for c in r.circles_of["DST-BIKANER"]))
    bikaner_members -= {r.one("ig", "RNG-BIKANER")}  # also sits in Churu's circle groups
    churu_sp = world.who["sp_other"]
    async with world.api.client() as c:
        stations = await c.get(f"/api/v1/directives/{world.directive}/export.csv", headers=churu_sp)
        members = await c.get(
            f"/api/v1/directives/{world.directive}/export.csv?per=member", headers=churu_sp
        )
        async with c.stream(
            "GET", f"/api/v1/directives/{world.directive}/reach/stream", headers=churu_sp
        ) as events:
            first = ""
            async for line in events.aiter_lines():
                if line.startswith("data:"):
                    first = line[5:]
                    break
    assert stations.status_code == members.status_code == 200
    station_units = {row["unit_id"] for row in csv.DictReader(io.StringIO(stations.text))}
    member_rows = list(csv.DictReader(io.StringIO(members.text.lstrip("\ufeff"))))
    assert station_units and not station_units & bikaner
    assert {row["member_id"] for row in member_rows} == {r.one("sp", "DST-CHURU")}
    assert not {row["member_id"] for row in member_rows} & bikaner_members
    streamed = json.loads(first)
    assert streamed["units"] and not {u["unit_id"] for u in streamed["units"]} & bikaner


@pytest.mark.parametrize("environment", ["production", "staging"])
async def test_dev_sign_in_exists_only_in_local_and_test(
    world: World, environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", environment)
    member = world.member_of["adg"]
    async with world.api.client() as c:
        listed = await c.get("/api/v1/dev/members", headers={"Accept-Language": "hi"})
        minted = await c.post("/api/v1/dev/tokens", json={"member_id": member})
        page = await c.get("/console/sign-in")
        console = await c.get("/console")
    assert listed.status_code == minted.status_code == page.status_code == 404
    assert listed.json()["code"] == minted.json()["code"] == "dev_sign_in_off"
    assert listed.json()["title"] == "उपलब्ध नहीं" and "token" not in minted.json()
    assert console.status_code == 200  # the pages stay; only the dev sign-in is gone
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "test")
    async with world.api.client() as c:
        found = await c.get("/api/v1/dev/members?role=adg&unit=BR-CRIME")
        minted = await c.post("/api/v1/dev/tokens", json={"member_id": member})
    assert [m["member_id"] for m in found.json()["items"]] == [member]
    assert minted.status_code == 200 and minted.json()["grants"] == [
        {"role": "adg", "unit": "BR-CRIME"}
    ]
