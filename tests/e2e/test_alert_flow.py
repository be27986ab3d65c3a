"""Issue 15, "Done when" 1, on the running system through its public APIs and the fakes'
inspection endpoints: a gram rakshak of the demo alert station raises an `immediate` alert; the
SHO, the CO and the SP receive it on the fake WhatsApp; nobody acknowledges (the fakes' replies
are off), so it escalates to the range IG after the test stack's escalation clock
(`ALERT_ESCALATION_SECONDS`); the SHO takes it and closes it with "arrest made"; the raiser
receives both messages and sees the outcome; nobody else — no other member of the circle's
group, no public channel — received anything of it. Then 20 more alerts, one at a time: raise →
delivered at the fake for the SHO, CO and SP, p50/p99 printed (issue's target: p99 ≤ 5 s; the
assertion is a generous bound, the machine is shared)."""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from bench.social.fakes import NETWORKS, posts
from tests.e2e.alerts import (
    Chain,
    alert_body,
    chain,
    fake_config,
    first_at,
    incident_action,
    place,
    raise_alert,
)
from tests.e2e.clients import Person, Sent, World, call, configure_fake, fake_log, wait_for
from tests.e2e.system import ALERT_ESCALATION_SECONDS, System

RUNS = 20
TARGET_P99 = 5.0  # seconds, raise → delivered at the fake (issue 15)
BOUND = 30.0  # what the test asserts: a shared 2-core machine runs other suites beside it


async def _quiet(system: System, still: float = 3.0) -> None:
    """Until the fakes have accepted nothing new for `still` seconds: the demo stories' messages
    from `up` (and an earlier test's) are not this test's."""
    before = -1
    while (now := len(await fake_log(system))) != before:
        before = now
        await asyncio.sleep(still)


async def _to(system: System, numbers: set[str], since: float) -> list[Sent]:
    return [s for s in await fake_log(system) if s.to in numbers and s.at >= since]


async def _public_posts(system: System) -> list[str]:
    return [
        p.text for network in NETWORKS for p in await posts(system.http, system.ports.base, network)
    ]


def _numbers(*people: Person) -> set[str]:
    return {n for p in people for n in (p.whatsapp, p.sms) if n}


@pytest.fixture
async def silent_fakes(system: System) -> AsyncIterator[None]:
    """Nobody acknowledges: the fakes' automatic replies (button presses, reply codes) off for
    the test, as they were afterwards."""
    before = {p: await fake_config(system, p) for p in ("whatsapp", "sms")}
    for provider in before:
        await configure_fake(system, provider, {"replies": []})
    yield
    for provider, config in before.items():
        await configure_fake(system, provider, {"replies": config.get("replies", [])})


async def _flow(w: World, c: Chain) -> None:
    system = w.system
    tag = uuid.uuid4().hex[:8]
    public_before = await _public_posts(system)
    officers = [c.sho, c.co, c.sp]
    raised = await raise_alert(w, c.raiser, alert_body(tag), retry_for=30)
    incident = raised.alert_id  # an incident has the id of its first alert

    async def reached(people: list[Person], since: float) -> bool:
        return len(await first_at(system, people, since)) == len(people)

    await wait_for(lambda: reached(officers, raised.at), 60, 0.2, "the SHO, CO and SP reached")
    first = await first_at(system, officers, raised.at)
    print(
        "\nraise → delivered: "
        + ", ".join(f"{p.role} {first[p.member_id] - raised.at:.2f} s" for p in officers)
    )

    # Nobody acknowledges: the range IG gets it once the clock runs out, not before.
    await wait_for(
        lambda: reached([c.ig], raised.at), ALERT_ESCALATION_SECONDS + 60, 0.5, "escalated to IG"
    )
    ig_at = (await first_at(system, [c.ig], raised.at))[c.ig.member_id]
    assert ig_at - raised.at >= ALERT_ESCALATION_SECONDS - 1, ig_at - raised.at
    # One message each so far: the officers once, the raiser nothing yet.
    got = await _to(system, _numbers(*officers, c.ig, c.raiser), raised.at)
    per_number = {n: sum(s.to == n for s in got) for n in _numbers(*officers, c.ig)}
    assert all(n == 1 for n in per_number.values()), per_number
    assert not [s for s in got if s.to in _numbers(c.raiser)]

    taken_at = time.time()
    r = await incident_action(w, c.sho, incident, "take", {}, retry_for=30)
    assert r.status_code in (200, 201), r.text
    await wait_for(lambda: reached([c.raiser], taken_at), 60, 0.5, "the raiser told who took it")
    closed_at = time.time()
    r = await incident_action(w, c.sho, incident, "close", {"outcome": "arrest_made"}, retry_for=30)
    assert r.status_code in (200, 201), r.text
    await wait_for(lambda: reached([c.raiser], closed_at), 60, 0.5, "the raiser told it closed")

    # The raiser sees the outcome in their own view of what they raised.
    mine = w.system.url("story-intake", f"/api/v1/alerts/{raised.alert_id}")

    async def outcome_shown() -> bool:
        r = await call(system, "GET", mine, token=await w.token(c.raiser.member_id))
        return r.status_code == 200 and "arrest_made" in json.dumps(r.json())

    await wait_for(outcome_shown, 60, 0.5, "the raiser's view shows the arrest")

    await _quiet(system)  # a late or repeated message would show by now
    during = [s for s in await fake_log(system) if s.at >= raised.at]
    to_raiser = [s for s in during if s.to in _numbers(c.raiser)]
    assert len(to_raiser) == 2, to_raiser  # taken, closed: once each
    # Never wider than the chain: every message since the raise went to the SHO, CO, SP, IG or
    # the raiser; no other member of the circle's group (its other SHOs, constables,
    # volunteers) nor anyone else.
    await w.load([c.circle])
    chain_numbers = _numbers(*officers, c.ig, c.raiser)
    group = {n for m in w.circle_group[c.circle] for n in _numbers(w.people[m])} - chain_numbers
    assert group, "the circle's group has other members to keep it from"
    assert [s for s in during if s.to in group] == []
    assert [s for s in during if s.to not in chain_numbers] == []
    # No public channel: the fake X, Facebook and Instagram hold exactly what they held before,
    # and nothing with the alert's place in it.
    public_after = await _public_posts(system)
    assert public_after == public_before
    assert not [t for t in public_after if place(tag) in t or tag in t]


async def _latency(w: World, c: Chain) -> list[float]:
    """Raise → the last of the SHO, CO and SP delivered at the fake, one alert at a time (each
    its own incident), each taken and closed before the next so that nothing escalates."""
    system = w.system
    officers = [c.sho, c.co, c.sp]
    samples = []
    for n in range(RUNS):
        raised = await raise_alert(w, c.raiser, alert_body(f"{uuid.uuid4().hex[:6]}-{n}"))

        async def all_reached(since: float = raised.at) -> bool:
            return len(await first_at(system, officers, since)) == len(officers)

        await wait_for(all_reached, BOUND, 0.1, f"run {n}: the SHO, CO and SP reached")
        first = await first_at(system, officers, raised.at)
        samples.append(max(first.values()) - raised.at)
        for action, body in (("take", {}), ("close", {"outcome": "attended"})):
            r = await incident_action(w, c.sho, raised.alert_id, action, body, retry_for=30)
            assert r.status_code in (200, 201), r.text
        await _quiet(system, 1.5)  # the raiser's notices, before the next run's clock starts
    return samples


def _p(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the samples at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def test_an_immediate_alert_reaches_the_chain_escalates_and_is_closed(
    system: System, silent_fakes: None
) -> None:
    w = World(system)
    c = await chain(w)
    await _quiet(system)
    await _flow(w, c)
    samples = await _latency(w, c)
    p50, p99 = statistics.median(samples), _p(samples, 0.99)
    print(
        f"raise → delivered at the fake (SHO, CO, SP; the last of the three), {RUNS} runs: "
        f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(samples):.2f} s "
        f"(target p99 ≤ {TARGET_P99:.0f} s: {'met' if p99 <= TARGET_P99 else 'missed'})"
    )
    assert p99 <= BOUND
