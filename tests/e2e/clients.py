"""What the end-to-end tests know of the system: its public HTTP APIs and the fakes' inspection
endpoints, nothing else (no database, no Kafka, no service code)."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.system import System

Json = dict[str, Any]
OFFICERS = ("adg", "ig", "sp", "co")


async def wait_for(
    predicate: Callable[[], Awaitable[bool]],
    within: float,
    every: float = 1.0,
    what: str = "",
    explain: Callable[[], Awaitable[object]] | None = None,
) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            seen = f"; seen: {await explain()}" if explain is not None else ""
            raise TimeoutError(f"not reached in {within:.0f}s: {what}{seen}")
        await asyncio.sleep(every)


async def call(
    system: System,
    method: str,
    url: str,
    *,
    token: str | None = None,
    json: Json | None = None,
    key: str | None = None,
    retry_for: float = 0.0,
) -> httpx.Response:
    """One request; with `retry_for`, repeated (same Idempotency-Key) while the service is down
    or answers 5xx — what a field app does while a process restarts. A 429 is always waited out
    (`Retry-After`) and repeated, as every client of the rate-limited APIs must."""
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "POST":
        headers["Idempotency-Key"] = key or str(uuid.uuid4())
    deadline = time.monotonic() + retry_for
    while True:
        try:
            r = await system.http.request(method, url, headers=headers, json=json)
            if r.status_code == 429:
                await asyncio.sleep(float(r.headers.get("retry-after", "1")))
                continue
            if r.status_code < 500 or time.monotonic() > deadline:
                return r
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)


@dataclass
class Person:
    member_id: str
    role: str
    unit_id: str
    unit_path: list[str]
    whatsapp: str | None  # digits, as the providers write them ("9170...")
    sms: str | None
    consent: str  # not_required | granted | pending | withdrawn
    active: bool

    @property
    def reachable(self) -> bool:
        return self.active and self.consent in ("not_required", "granted")

    @property
    def phone(self) -> str | None:
        """Where a message to them goes: WhatsApp, else SMS."""
        return self.whatsapp or self.sms


def _digits(number: str | None) -> str | None:
    return number.lstrip("+") if number else None


@dataclass
class World:
    """The demo roster as the roster's API shows it to the ADG, and tokens for its officers."""

    system: System
    tokens: dict[str, str] = field(default_factory=dict)  # member id → bearer token
    people: dict[str, Person] = field(default_factory=dict)
    units: dict[str, Json] = field(default_factory=dict)  # from the directive's /units
    circle_group: dict[str, set[str]] = field(default_factory=dict)  # circle → member ids
    officers: dict[tuple[str, str], str] = field(default_factory=dict)

    def roster(self, path: str) -> str:
        return self.system.url("roster", f"/api/v1{path}")

    def directive(self, path: str) -> str:
        return self.system.url("directive", f"/api/v1{path}")

    async def token(self, member_id: str) -> str:
        if member_id not in self.tokens:
            r = await call(
                self.system, "POST", self.roster("/dev/tokens"), json={"member_id": member_id}
            )
            assert r.status_code == 200, r.text
            self.tokens[member_id] = r.json()["token"]
        return self.tokens[member_id]

    async def officer(self, role: str, unit: str) -> str:
        """The member holding `role` at `unit`, from the directive's read model."""
        if (role, unit) in self.officers:
            return self.officers[(role, unit)]
        url = self.directive(f"/dev/members?role={role}&unit={unit}&limit=50")
        r = await call(self.system, "GET", url, retry_for=120)
        found = [
            m["member_id"]
            for m in r.json()["items"]
            if any(p["role"] == role and p["unit_id"] == unit for p in m["postings"])
        ]
        assert found, (role, unit)
        self.officers[(role, unit)] = str(found[0])
        return self.officers[(role, unit)]

    async def load(self, circles: list[str]) -> None:
        """The circles' groups and every member of them, with numbers and consent (as the ADG,
        who may change any record, sees them)."""
        adg = await self.token(await self.officer("adg", "BR-CRIME"))
        r = await call(self.system, "GET", self.directive("/units"), token=adg)
        self.units = {u["id"]: u for u in r.json()}
        for circle in circles:
            members: set[str] = set()
            cursor: str | None = None
            while True:
                query = f"?limit=500{f'&cursor={cursor}' if cursor else ''}"
                page = await call(
                    self.system,
                    "GET",
                    self.roster(f"/groups/circle.{circle}/members{query}"),
                    token=adg,
                )
                assert page.status_code == 200, page.text
                members |= {m["member_id"] for m in page.json()["items"]}
                cursor = page.json()["next_cursor"]
                if not cursor:
                    break
            self.circle_group[circle] = members
        for member_id in set().union(*self.circle_group.values()) - set(self.people):
            await self.refresh(member_id, adg)

    async def refresh(self, member_id: str, token: str | None = None) -> Person:
        adg = token or await self.token(await self.officer("adg", "BR-CRIME"))
        r = await call(self.system, "GET", self.roster(f"/members/{member_id}"), token=adg)
        assert r.status_code == 200, r.text
        m = r.json()
        primary = next((p for p in m["postings"] if p["primary"]), m["postings"][0])
        person = Person(
            member_id,
            primary["role"],
            primary["unit_id"],
            primary["unit_path"],
            _digits(m["whatsapp"]),
            _digits(m["sms"]),
            m["consent"]["state"],
            m["active"],
        )
        self.people[member_id] = person
        return person

    def in_circle(self, circle: str) -> list[Person]:
        """Members of the circle's group posted inside the circle (not the SP and IG above it),
        in member id order."""
        return sorted(
            (
                self.people[m]
                for m in self.circle_group[circle]
                if circle in self.people[m].unit_path
            ),
            key=lambda p: p.member_id,
        )


@dataclass(frozen=True)
class Sent:
    provider: str  # whatsapp | sms
    delivery_id: str
    to: str
    at: float  # when the provider accepted it (Unix time)


async def fake_log(system: System) -> list[Sent]:
    """Every message the fake providers accepted: WhatsApp names the delivery in
    `biz_opaque_callback_data`, the SMS gateway in `ref`."""
    out = []
    for provider, port, key in (("whatsapp", 201, "callback"), ("sms", 202, "ref")):
        r = await system.http.get(f"http://127.0.0.1:{system.ports.base + port}/_fake/messages")
        out += [
            Sent(provider, str(m[key]), str(m["to"]), float(m["at"])) for m in r.json()["messages"]
        ]
    return out


async def configure_fake(system: System, provider: str, config: Json) -> None:
    port = {"whatsapp": 201, "sms": 202}[provider]
    r = await system.http.post(
        f"http://127.0.0.1:{system.ports.base + port}/_fake/config", json=config
    )
    assert r.status_code == 200, r.text


def copies(log: list[Sent]) -> Counter[str]:
    return Counter(s.delivery_id for s in log)


async def member_export(world: World, directive_id: str) -> list[dict[str, str]]:
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    r = await call(
        world.system,
        "GET",
        world.directive(f"/directives/{directive_id}/export.csv?per=member"),
        token=adg,
        retry_for=60,
    )
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
