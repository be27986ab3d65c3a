"""Issue 19 item 7: a provider outage during a directive.

The fake WhatsApp answers 500 and, every other request, hangs past the publisher's timeout
(`outage: "500+timeout"`); the SMS gateway times out (`"timeout"`). A directive goes to both
circles' groups of two districts, acknowledgement required within a window far shorter than the
outage. While the outage lasts nothing is accepted and no circle is escalated: its members were
never asked (the acknowledgement clock holds a circle whose members the provider has not taken,
docs/ARCHITECTURE.md). When the providers return, everything queued drains: every member the
directive made a delivery for is at a fake exactly once (0 lost, 0 duplicated), and only a window
after their reach, with nobody acknowledging, are the circles escalated.

    NAZAR_OUTAGE_SECONDS=300 ./deploy/stack chaos -k provider_outage
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter

import pytest

from tests.e2e.clients import World, call, configure_fake, fake_log, member_export, wait_for
from tests.e2e.system import System

pytestmark = pytest.mark.timeout(1800)
OUTAGE = float(os.environ.get("NAZAR_OUTAGE_SECONDS", "300"))
WINDOW = 60  # seconds: the directive's acknowledgement window, far shorter than the outage
DISTRICTS = ["DST-KHAIRTHAL-TIJARA", "DST-BIKANER"]


async def _detail(world: World, adg: str, directive_id: str) -> dict[str, object]:
    r = await call(world.system, "GET", world.directive(f"/directives/{directive_id}"),
                   token=adg, retry_for=60)  # fmt: skip
    assert r.status_code == 200, r.text
    detail: dict[str, object] = r.json()
    return detail


def _ack_escalations(detail: dict[str, object]) -> list[object]:
    found = detail["escalations"]
    assert isinstance(found, list)
    return [e for e in found if str(e["kind"]).startswith("ack")]


async def test_a_provider_outage_queues_everything_and_nothing_is_lost_or_sent_twice(
    system: System,
) -> None:
    world = World(system)
    adg = await world.token(await world.officer("adg", "BR-CRIME"))
    before = {s.delivery_id for s in await fake_log(system)}
    await configure_fake(system, "whatsapp", {"outage": "500+timeout"})
    await configure_fake(system, "sms", {"outage": "timeout"})
    started = time.monotonic()
    try:
        r = await call(
            system, "POST", world.directive("/directives"), token=adg, key=str(uuid.uuid4()),
            retry_for=120,
            json={
                "priority": "urgent",
                "title": {"hi": "प्रदाता बंद रहने पर भी आदेश पहुँचे"},
                "body": {"hi": "सभी थाने रात्रि गश्त की सूचना दें और पावती भेजें।"},
                "audience": {"unit_ids": DISTRICTS},
                "ack_required": True,
                "relay_mode": "automatic",
                "relay_deadline_seconds": 5,  # to the circles at once, inside the outage
                "ack_window_seconds": WINDOW,
            },
        )  # fmt: skip
        assert r.status_code == 201, r.text
        directive_id = str(r.json()["id"])
        checks = 0
        while time.monotonic() - started < OUTAGE:
            new = [s for s in await fake_log(system) if s.delivery_id not in before]
            assert new == [], "a provider in an outage accepted nothing"
            detail = await _detail(world, adg, directive_id)
            assert _ack_escalations(detail) == [], "nobody was asked: no circle is behind"
            checks += 1
            await asyncio.sleep(max(0.0, min(15.0, OUTAGE - (time.monotonic() - started))))
    finally:
        await configure_fake(system, "whatsapp", {"outage": None})
        await configure_fake(system, "sms", {"outage": None})
    restored = time.monotonic()

    made: dict[str, str] = {}

    async def drained() -> bool:
        rows = await member_export(world, directive_id)
        made.clear()
        made.update({row["delivery_id"]: row["member_id"] for row in rows})
        at_fakes = {s.delivery_id for s in await fake_log(system)}
        return bool(made) and set(made) <= at_fakes

    await wait_for(drained, 900, 5.0, "every delivery of the directive reached a fake")
    circles = {row["unit_id"] for row in await member_export(world, directive_id)}
    assert any(u.startswith("PS-") for u in circles), "the relay reached the stations' members"
    drain = time.monotonic() - restored
    log = [s for s in await fake_log(system) if s.delivery_id in made]
    copies = Counter(s.delivery_id for s in log)
    twice = sorted(d for d, n in copies.items() if n > 1)
    assert not twice, twice
    assert set(copies) == set(made)
    members = Counter(made.values())
    assert all(n >= 1 for n in members.values())
    at_drain = _ack_escalations(await _detail(world, adg, directive_id))

    # Nobody acknowledges: a window after their reach the circles are behind, and told so.
    async def escalated() -> bool:
        return bool(_ack_escalations(await _detail(world, adg, directive_id)))

    await wait_for(escalated, WINDOW * 3 + 60, 5.0, "escalated a window after the reach")
    print(
        f"outage {OUTAGE:.0f}s ({checks} checks: nothing accepted, no escalation); "
        f"drained {len(made)} deliveries to {len(members)} members in {drain:.1f}s after the "
        f"providers returned: 0 lost, 0 duplicated; escalations at the drain: {len(at_drain)}, "
        f"a window later: {len(_ack_escalations(await _detail(world, adg, directive_id)))}"
    )
    assert at_drain == [] or drain > WINDOW, at_drain
