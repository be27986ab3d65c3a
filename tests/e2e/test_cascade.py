"""Issue 6, "Done when" 1 and 2, on the running system (roster, directive, social-publisher and
the fake WhatsApp and SMS providers as `deploy/stack up` starts them, the demo roster loaded).

Every claim is checked against what the system shows from outside: the fakes' message logs
(who was sent what, by delivery id and number), the roster's API (circle groups, numbers,
consent), and the directive's API (details, reach, the member CSV export).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from tests.e2e.clients import Sent, call, configure_fake, wait_for
from tests.e2e.flow import Outcome, Timing, run
from tests.e2e.system import System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
PROCESSES = ("directive", "social-publisher")


def _rows(o: Outcome, directive: str, kind: str) -> list[dict[str, str]]:
    return [r for r in o.exports[directive] if r["message_kind"] == kind]


def _escalations(detail: dict[str, object], kind: str) -> list[dict[str, object]]:
    found = detail["escalations"]
    assert isinstance(found, list)
    return [e for e in found if e["kind"] == kind]


def check_deliveries(o: Outcome) -> None:
    """Exactly once, on the right channel, to exactly the right people."""
    w = o.world
    copies = Counter(s.delivery_id for s in o.log)
    made = {r["delivery_id"]: r for rows in o.exports.values() for r in rows}
    assert set(copies) == set(made), "every delivery the directive made reached a provider"
    twice = {d for d, n in copies.items() if n > 1}
    assert not twice, [
        (s, made[s.delivery_id]["message_kind"]) for s in o.log if s.delivery_id in twice
    ]
    sent: dict[str, Sent] = {s.delivery_id: s for s in o.log}
    for delivery, row in made.items():
        person = w.people.get(row["member_id"])
        if person is None:
            continue  # HQ officials, IGs and SPs outside the circles: not loaded, not judged
        expected = ("whatsapp", person.whatsapp) if person.whatsapp else ("sms", person.sms)
        assert (sent[delivery].provider, sent[delivery].to) == expected, (person, sent[delivery])

    circles = {d: o.circles(d) for d in (o.a, o.b)}
    groups = {d: set().union(*(w.circle_group[c] for c in circles[d])) for d in (o.a, o.b)}
    for directive, relayed in ((o.manual, [o.a]), (o.automatic, [o.a, o.b])):
        originals = Counter(r["member_id"] for r in _rows(o, directive["id"], "original"))
        assert max(originals.values()) == 1
        for district in relayed:
            consenting = {m for m in groups[district] if w.people[m].reachable}
            assert consenting <= set(originals), (directive["id"], district)
        # Nobody without consent, in any message of the run.
        for m in set().union(*groups.values()):
            if w.people[m].consent in ("pending", "withdrawn") or not w.people[m].active:
                assert m not in {r["member_id"] for r in o.exports[directive["id"]]}, m
    silent = {w.people[m].phone for m in set().union(*groups.values()) if not w.people[m].reachable}
    assert o.withdrawn and not silent & {s.to for s in o.log}, (
        "no message to a non-consenting number"
    )

    # District B never relayed the manual directive: of its circle groups only its SP and IG
    # have it (from the issue), and the IG got the escalation notice.
    sp_b = next(m for m in groups[o.b] if w.people[m].role == "sp")
    ig_b = next(m for m in groups[o.b] if w.people[m].role == "ig")
    manual_originals = {r["member_id"] for r in _rows(o, o.manual["id"], "original")}
    assert manual_originals & groups[o.b] == {sp_b, ig_b}
    overdue = _escalations(o.manual, "relay_overdue")
    assert [(e["unit_id"], e["recipients"]) for e in overdue] == [(o.b, [ig_b])]
    to_ig = [r for r in _rows(o, o.manual["id"], "escalation") if r["member_id"] == ig_b]
    assert len(to_ig) == 1 and copies[to_ig[0]["delivery_id"]] == 1

    # The 60 % circle: its CO was told after one window, then the SP of A; each got one notice.
    co = next(p.member_id for p in w.in_circle(o.slow) if p.role == "co")
    sp_a = next(m for m in groups[o.a] if w.people[m].role == "sp")
    for detail in (o.manual, o.automatic):
        to_co = [e for e in _escalations(detail, "ack_to_co") if e["unit_id"] == o.slow]
        to_sp = [e for e in _escalations(detail, "ack_to_sp") if e["unit_id"] == o.slow]
        assert [e["recipients"] for e in to_co] == [[co]]
        assert [e["recipients"] for e in to_sp] == [[sp_a]]
        assert str(to_co[0]["at"]) < str(to_sp[0]["at"])
        notices = {r["member_id"] for r in _rows(o, str(detail["id"]), "escalation")}
        assert {co, sp_a} <= notices

    # The CO's note reached the circle's consenting members, once each.
    notes = Counter(r["member_id"] for r in _rows(o, o.manual["id"], "note"))
    inside = {p.member_id for p in w.in_circle(o.slow) if p.reachable}
    assert inside <= set(notes) and max(notes.values()) == 1
    assert set(notes) <= {m for m in w.circle_group[o.slow] if w.people[m].reachable}


async def _station_reach(o: Outcome, directive: str) -> dict[str, dict[str, int]]:
    w = o.world
    adg = await w.token(await w.officer("adg", "BR-CRIME"))
    r = await call(
        w.system,
        "GET",
        w.directive(f"/directives/{directive}/reach?down_to=station"),
        token=adg,
    )
    assert r.status_code == 200, r.text
    return {
        u["unit_id"]: {k: v for k, v in u["counts"].items() if k != "ack_share"}
        for u in r.json()["units"]
        if u["depth"] == 5
    }


def _expected_station_reach(o: Outcome, directive: str) -> dict[str, dict[str, int]]:
    """The same counts from the fakes' logs: per police station, the directive's text to its
    members (targeted), accepted by a provider (sent, delivered: the fakes deliver everything),
    read (WhatsApp reads; an acknowledgement counts as read) and acknowledged (the repliers)."""
    provider = {s.delivery_id: s.provider for s in o.log}
    out: dict[str, dict[str, int]] = {}
    for row in _rows(o, directive, "original"):
        unit = o.world.units.get(row["unit_id"])
        if unit is None or unit["kind"] != "police_station":
            continue
        c = out.setdefault(
            row["unit_id"],
            dict.fromkeys(("targeted", "sent", "delivered", "read", "acknowledged", "failed"), 0),
        )
        c["targeted"] += 1
        via = provider.get(row["delivery_id"])
        replied = row["member_id"] in o.repliers
        c["sent"] += via is not None
        c["delivered"] += via is not None
        c["read"] += via == "whatsapp" or (via == "sms" and replied)
        c["acknowledged"] += replied
    return out


async def check_station_reach(o: Outcome, directive: str) -> None:
    expected = _expected_station_reach(o, directive)
    shown: dict[str, dict[str, int]] = {}

    async def equal() -> bool:
        nonlocal shown
        shown = await _station_reach(o, directive)
        return shown == expected

    try:
        await wait_for(equal, 60, 1, "reach per station equals the fakes' logs")
    except TimeoutError:
        diff = {u: (shown.get(u), expected.get(u)) for u in set(shown) | set(expected)}
        raise AssertionError({u: v for u, v in diff.items() if v[0] != v[1]}) from None
    assert sum(c["targeted"] for c in expected.values()) > 50


async def test_cascade_reaches_every_consenting_member_once(system: System) -> None:
    started = time.monotonic()
    o = await run(system, Timing(relay_deadline=25, automatic_deadline=10, ack_window=20))
    check_deliveries(o)
    for directive in (o.manual["id"], o.automatic["id"]):
        await check_station_reach(o, directive)
    # Only the 60 % circle fell under the threshold; the others (95 %) never escalated.
    for detail in (o.manual, o.automatic):
        low = {e["unit_id"] for e in detail["escalations"] if str(e["kind"]).startswith("ack")}
        assert low == {o.slow}, low
    print(
        f"cascade: {len(o.log)} messages, {len(o.repliers)} repliers, "
        f"{time.monotonic() - started:.0f}s"
    )


async def _more_than(sent_now: Callable[[], Awaitable[int]], n: int) -> bool:
    return await sent_now() > n


async def _kill_loop(
    system: System, sent_now: Callable[[], Awaitable[int]]
) -> list[tuple[str, int, float]]:
    """SIGKILL the directive and the publisher in turn, every 1.5-3 s, each 6 times, restarting
    the same command at once. The publisher is killed only once it has sent a few more messages
    since its last restart (a rebalance after a kill takes seconds), so that each of its kills
    lands while it is sending. Returns (process, messages sent, when) per kill."""
    rng = random.Random(11)
    kills: list[tuple[str, int, float]] = []
    since_restart = 0
    while min(system.processes[p].kills for p in PROCESSES) < 6:
        await asyncio.sleep(rng.uniform(1.5, 3.0))
        name = PROCESSES[len(kills) % 2]
        if name == "social-publisher":
            with contextlib.suppress(TimeoutError):
                floor = since_restart + 5
                await wait_for(functools.partial(_more_than, sent_now, floor), 30, 0.2)
        sent = await sent_now()
        kills.append((name, sent, time.time()))
        await system.kill_and_restart(name)
        if name == "social-publisher":
            since_restart = sent
    for name in PROCESSES:
        await system.processes[name].wait_healthy(system.http)
    return kills


async def test_the_same_with_directive_and_publisher_killed_during_fan_out(
    system: System,
) -> None:
    started = time.monotonic()
    # Slow WhatsApp down (the publisher finds out from 130429) so that the fan-out to the
    # members lasts through the kills. The providers redeliver an unanswered webhook within 4 s
    # (their default back-off reaches 30 s): a restarted publisher waits ANSWER_WAIT (12 s here)
    # for the "sent" webhooks of calls made before its kill, so they must come in by then or the
    # message is resent as a possible duplicate (what production's 10 minutes are sized for).
    await configure_fake(system, "whatsapp", {"mps_cap": 8, "webhook_retry_cap": 4.0})
    await configure_fake(system, "sms", {"webhook_retry_cap": 4.0})
    try:
        o = await run(
            system,
            Timing(relay_deadline=25, automatic_deadline=10, ack_window=20),
            killer=lambda sent_now: _kill_loop(system, sent_now),
        )
    finally:
        await configure_fake(system, "whatsapp", {"mps_cap": 80, "webhook_retry_cap": 30.0})
        await configure_fake(system, "sms", {"webhook_retry_cap": 30.0})
    by_process = Counter(kill[0] for kill in o.kills)
    assert all(by_process[p] >= 5 for p in PROCESSES), by_process
    # Each kill came while messages of this run were still on their way to the members.
    assert all(kill[1] < len(o.log) for kill in o.kills), (o.kills, len(o.log))
    check_deliveries(o)
    print(
        f"kills: {dict(by_process)} at {[kill[1] for kill in o.kills]} of {len(o.log)} messages, "
        f"{time.monotonic() - started:.0f}s"
    )
