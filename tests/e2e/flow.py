"""The directive cascade end to end, as issue 6 states it, on the running system.

Two directives to the two districts of the demo roster that have circles: one with manual
relay (district A's SP relays, district B's SP does not), one with automatic relay. The fake
providers reply for a fixed 60 % of one circle of A and 95 % of every other circle; some
volunteers withdraw consent through the roster's API first. `run` drives it and gathers what
the system shows afterwards; the tests assert on that.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.clients import (
    Json,
    Person,
    Sent,
    World,
    call,
    configure_fake,
    fake_log,
    member_export,
    wait_for,
)
from tests.e2e.system import System

TITLE_MANUAL = "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस, गृह विभाग ने दिए निर्देश"
TITLE_AUTOMATIC = "गांव-ढाणी से लेकर पुलिस मुख्यालय तक व्हाट्सएप समूह बनाए जाएं"
BODY = (
    "बीकानेर। प्रदेश में पुलिस अपराध और अपराधिक गतिविधियों पर पैनी नजर रखेगी। सरकार और पुलिस "
    "मुख्यालय से दिए जाने वाले निर्देश तुरंत निचले स्तर पर पहुंच सकेंगे।"
)


@dataclass(frozen=True)
class Timing:
    relay_deadline: int  # seconds, manual directive (district B's SP lets it pass)
    automatic_deadline: int  # seconds, when the automatic directive is relayed
    ack_window: int  # seconds; the second window (to the SP) is as long again


@dataclass
class Outcome:
    world: World
    a: str  # district whose SP relays the manual directive
    b: str  # district whose SP does not
    slow: str  # the circle that replies 60 %
    manual: Json  # directive details as the ADG reads them at the end
    automatic: Json
    exports: dict[str, list[dict[str, str]]]  # directive id → member CSV rows
    log: list[Sent]  # the fakes' messages of this run's deliveries
    repliers: set[str]
    withdrawn: set[str]
    kills: list[tuple[str, int, float]] = field(
        default_factory=list
    )  # (process, messages sent, when)

    def circles(self, district: str) -> list[str]:
        return sorted(
            u["id"]
            for u in self.world.units.values()
            if u["kind"] == "circle" and district in u["path"]
        )


async def _districts_with_circles(world: World) -> list[str]:
    found = sorted(
        {u["path"][2] for u in world.units.values() if u["kind"] == "circle" and len(u["path"]) > 3}
    )
    assert len(found) >= 2, found
    # Bikaner first when present: the seed report is from there.
    return sorted(found, key=lambda d: (d != "DST-BIKANER", d))[:2]


async def _read_model_has(world: World, circles: list[str]) -> None:
    """The directive knows every member of the circles (its read model of the roster topics)
    before anything is issued: a relay's audience is the groups as the directive knows them."""

    async def complete() -> bool:
        for circle in circles:
            url = world.directive(f"/dev/members?unit={circle}&limit=500")
            found = await call(world.system, "GET", url, retry_for=60)
            known = {m["member_id"] for m in found.json()["items"]}
            if not {p.member_id for p in world.in_circle(circle)} <= known:
                return False
        return True

    await wait_for(complete, 60, 0.5, "the directive's read model holds the circles")


async def _withdraw(world: World, people: list[Person], how_many: int) -> set[str]:
    """Volunteers withdraw consent through the roster's API (their SP records it), and the
    directive's read model shows it before anything is issued."""
    chosen = [p for p in people if p.consent == "granted" and p.active][:how_many]
    for person in chosen:
        sp = await world.officer("sp", person.unit_path[2])
        r = await call(
            world.system,
            "POST",
            world.roster(f"/members/{person.member_id}/consent"),
            token=await world.token(sp),
            json={"state": "withdrawn", "method": "form"},
        )
        assert r.status_code == 200, r.text
        await world.refresh(person.member_id)
    ids = {p.member_id for p in chosen}

    async def applied() -> bool:
        query = "&".join(f"member_id={m}" for m in ids)
        r = await call(world.system, "GET", world.directive(f"/dev/members?{query}"), retry_for=60)
        return all(not m["reachable"] for m in r.json()["items"])

    await wait_for(applied, 60, 0.5, "consent withdrawals reach the directive")
    return ids


def _choose(people: list[Person], share: float) -> list[Person]:
    reachable = [p for p in people if p.reachable]
    return reachable[: round(share * len(reachable))]


async def _replies(world: World, slow: str, others: list[str]) -> set[str]:
    """Fixed repliers: the first 60 % (by member id) of the slow circle's members, 95 % of every
    other circle's, and the officers above the circles. Two rules per fake, by number."""
    repliers = _choose(world.in_circle(slow), 0.6)
    for circle in others:
        repliers += _choose(world.in_circle(circle), 0.95)
    above = {m for c in [slow, *others] for m in world.circle_group[c]} - {
        p.member_id for c in [slow, *others] for p in world.in_circle(c)
    }
    repliers += [world.people[m] for m in sorted(above) if world.people[m].reachable]
    await configure_fake(
        world.system,
        "whatsapp",
        {
            "replies": [
                {
                    "kind": "button",
                    "share": 1.0,
                    "recipients": [p.whatsapp for p in repliers if p.whatsapp],
                }
            ]
        },
    )
    await configure_fake(
        world.system,
        "sms",
        {
            "replies": [
                {
                    "text": "{code}",
                    "share": 1.0,
                    "recipients": [p.sms for p in repliers if not p.whatsapp and p.sms],
                }
            ]
        },
    )
    return {p.member_id for p in repliers}


async def _issue(
    world: World, title: str, mode: str, deadline: int, window: int, districts: list[str]
) -> str:
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    r = await call(
        world.system,
        "POST",
        world.directive("/directives"),
        token=adg,
        key=str(uuid.uuid4()),
        retry_for=120,
        json={
            "priority": "urgent",
            "title": {"hi": title},
            "body": {"hi": BODY},
            "audience": {"unit_ids": districts},
            "ack_required": True,
            "relay_mode": mode,
            "relay_deadline_seconds": deadline,
            "ack_window_seconds": window,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _detail(world: World, directive_id: str) -> Json:
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    r = await call(
        world.system,
        "GET",
        world.directive(f"/directives/{directive_id}"),
        token=adg,
        retry_for=120,
    )
    assert r.status_code == 200, r.text
    detail: Json = r.json()
    return detail


async def _act(world: World, timing: Timing, a: str, b: str, slow: str) -> tuple[str, str]:
    """The ADG issues both directives; A's SP relays the manual one with a note (B's SP does
    not); the CO of the slow circle adds a note. Each call retried while its service restarts."""
    system = world.system
    window = timing.ack_window
    manual = await _issue(world, TITLE_MANUAL, "manual", timing.relay_deadline, window, [a, b])
    automatic = await _issue(
        world, TITLE_AUTOMATIC, "automatic", timing.automatic_deadline, window, [a, b]
    )
    sp_a = await world.token(await world.officer("sp", a))
    relayed = await call(
        system,
        "POST",
        world.directive(f"/directives/{manual}/relays"),
        token=sp_a,
        key=str(uuid.uuid4()),
        retry_for=120,
        json={"district_id": a, "note": "सभी थाना प्रभारी आज ही सभी सदस्यों तक पहुंचाएं।"},
    )
    assert relayed.status_code == 201, relayed.text
    co = await world.token(await world.officer("co", slow))
    noted = await call(
        system,
        "POST",
        world.directive(f"/directives/{manual}/notes"),
        token=co,
        key=str(uuid.uuid4()),
        retry_for=120,
        json={"circle_id": slow, "text": "वृत्त के सभी सदस्य पावती अवश्य दें।"},
    )
    assert noted.status_code == 201, noted.text
    return manual, automatic


def _escalated(detail: Json, kind: str, unit: str) -> bool:
    return any(e["kind"] == kind and e["unit_id"] == unit for e in detail["escalations"])


async def _escalations_done(world: World, manual: str, automatic: str, b: str, slow: str) -> bool:
    m, x = await _detail(world, manual), await _detail(world, automatic)
    return (
        _escalated(m, "relay_overdue", b)
        and all(_escalated(d, k, slow) for d in (m, x) for k in ("ack_to_co", "ack_to_sp"))
        and all(d["relayed_at"] for d in x["districts"])
    )


Killer = Callable[[Callable[[], Awaitable[int]]], Coroutine[Any, Any, list[tuple[str, int, float]]]]


async def run(system: System, timing: Timing, killer: Killer | None = None) -> Outcome:
    world = World(system)
    await world.load([])
    a, b = await _districts_with_circles(world)
    circles = {
        d: sorted(u for u, x in world.units.items() if x["kind"] == "circle" and d in x["path"])
        for d in (a, b)
    }
    await world.load(circles[a] + circles[b])
    everyone = [p for c in circles[a] + circles[b] for p in world.in_circle(c)]
    await _read_model_has(world, circles[a] + circles[b])
    random.Random(6).shuffle(everyone)
    withdrawn = await _withdraw(world, [p for p in everyone if p.role not in ("sho", "co")], 3)
    slow = circles[a][0]
    repliers = await _replies(world, slow, circles[a][1:] + circles[b])
    before = {s.delivery_id for s in await fake_log(system)}
    for provider in ("whatsapp", "sms"):
        # Webhooks refused while the publisher restarts come back within seconds, not 30.
        await configure_fake(system, provider, {"webhook_retry_cap": 2.0})

    kills_task: asyncio.Task[list[tuple[str, int, float]]] | None = None
    if killer is not None:

        async def sent_now() -> int:
            return len([s for s in await fake_log(system) if s.delivery_id not in before])

        kills_task = asyncio.create_task(killer(sent_now))
    try:
        manual, automatic = await _act(world, timing, a, b, slow)

        async def seen() -> object:
            return {
                d: [(x["district_id"], x["relayed_at"]) for x in detail["districts"]]
                + [(e["kind"], e["unit_id"]) for e in detail["escalations"]]
                for d in (manual, automatic)
                for detail in [await _detail(world, d)]
            }

        await wait_for(
            lambda: _escalations_done(world, manual, automatic, b, slow),
            240,
            2,
            "relay overdue, automatic relays, both stages",
            seen,
        )
        kills = await kills_task if kills_task is not None else []
    finally:
        if kills_task is not None and not kills_task.done():
            kills_task.cancel()
            with contextlib.suppress(BaseException):
                await kills_task

    async def fan_out_done() -> bool:
        """Every delivery the directive made has reached a fake."""
        rows = [r for d in (manual, automatic) for r in await member_export(world, d)]
        log = await fake_log(system)
        made = {r["delivery_id"] for r in rows}
        return made <= {s.delivery_id for s in log}

    await wait_for(fan_out_done, 240, 2, "every delivery sent")
    await asyncio.sleep(15)  # outlasts the publisher's answer wait: a resend would show now
    exports = {d: await member_export(world, d) for d in (manual, automatic)}
    made = {r["delivery_id"] for rows in exports.values() for r in rows}
    log = [s for s in await fake_log(system) if s.delivery_id in made]
    return Outcome(
        world,
        a,
        b,
        slow,
        await _detail(world, manual),
        await _detail(world, automatic),
        exports,
        log,
        repliers,
        withdrawn,
        kills,
    )
