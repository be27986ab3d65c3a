"""Two publishers, one cap (issue 18, item 6): two publisher processes share one sender number
capped at 1,000 messages/s by one fake WhatsApp. The number is owned by one of them (its lease);
the other consumes its share of the deliveries and hands them to the owner through the database.
About 20 s of work: the fake never sees more than 1,000 requests in any one-second window of
their arrival times, and the drain goes at ≥ 95% of the cap (the whole seconds at the fake but
the first two, while the instances join the consumer group, and the last; the rate from the
first to the last accepted request is printed too).

    NAZAR_PORT_BASE=… ./deploy/stack chaos -k publisher_scale

The figures are printed: the busiest second at the fake (requests and accepted ones), the
sustained rate, and which instance sent and handed over how many. The sender starts at most
`pace_share` (97.5%) of the cap in any second; the rest is headroom for the jitter between our
starts and the fake's arrival clock. On a machine short of CPU that jitter (the event loops of
the publishers and of the fake woken tens of milliseconds late) can exceed the headroom, and a
pacer woken late loses the delay beyond one headroom's worth rather than send it as a burst:
then this fails on the cap or the rate, and the figures say by how much.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter

import pytest

from tests.integration.publisher.support import (
    PHONE_IDS,
    Stack,
    free_port,
    kill,
    new_number,
    request,
    wait_for,
)

CAP = 1000
TOTAL = 20_000
SENDER = PHONE_IDS[0]
PUBLISHER_SETTINGS = {
    "NAZAR_WHATSAPP_PHONE_NUMBER_IDS": json.dumps([SENDER]),
    "NAZAR_WHATSAPP_MPS_CAP": str(CAP),
}
FAKE_CONFIG = {
    "mps_cap": CAP,
    "read_share": 0.0,
    "delivered_delay": 0.2,
    "batch_interval": 0.1,
    "batch_size": 500,
    "webhook_concurrency": 16,
}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


async def _deliver_and_wait(stack: Stack, tag: str, n: int, within: float) -> set[str]:
    members = [f"{tag}-{new_number()}" for _ in range(n)]
    await stack.add_contacts([{"member_id": m, "whatsapp": new_number()} for m in members])
    reqs = [request(m) for m in members]
    ids = {r["delivery_id"] for r in reqs}
    await stack.deliver(reqs)

    async def all_sent() -> bool:
        log = (await stack.fake("whatsapp", "messages"))["messages"]
        return len({m["callback"] for m in log} & ids) == n

    await wait_for(all_sent, within, every=1.0)
    return ids


async def _owner(stack: Stack, ports: dict[str, int]) -> tuple[str, str]:
    """(the instance owning the number, the other), once exactly one owns it."""

    async def owned() -> dict[str, float]:
        return {
            name: await stack.metric("nazar_publisher_sender_owned", port=port, sender=SENDER)
            for name, port in ports.items()
        }

    async def one_owner() -> bool:
        return sorted((await owned()).values()) == [0.0, 1.0]

    await wait_for(one_owner, 30)
    owner = next(n for n, v in (await owned()).items() if v == 1.0)
    return owner, next(n for n in ports if n != owner)


async def test_two_publishers_one_number_never_above_the_cap_at_the_fake(stack: Stack) -> None:
    second = (free_port(), free_port())
    await stack.start_instance("publisher-2", *second)
    ports = {"publisher": stack.metrics_port, "publisher-2": second[1]}
    owner, other = await _owner(stack, ports)

    # Warm up until the consumer group has given the other instance partitions and it hands
    # work over: the two-instance path works before it is measured.
    for round_ in range(5):
        await _deliver_and_wait(stack, f"warm{round_}", 500, 60)
        handed = await stack.metric(
            "nazar_publisher_handed_back_total", port=ports[other], sender=SENDER
        )
        if handed > 0:
            break
    assert handed > 0, "the second instance never got partitions"

    # The measured run: a backlog of 20,000 deliveries (as a large fan-out leaves one) drained
    # by both instances, restarted on it with the same consumer group, so that the rate is the
    # pacing's and not the speed of producing the test's records.
    members = [f"scale-{new_number()}" for _ in range(TOTAL)]
    await stack.add_contacts([{"member_id": m, "whatsapp": new_number()} for m in members])
    for name in ports:
        kill(stack.procs[name], signal.SIGTERM)
    reqs = [request(m) for m in members]
    ids = {r["delivery_id"] for r in reqs}
    await stack.deliver(reqs)
    await stack.fake("whatsapp", "reset", {})
    started = time.monotonic()
    await asyncio.gather(
        stack.start_instance("publisher", stack.port, stack.metrics_port),
        stack.start_instance("publisher-2", *second),
    )
    owner, other = await _owner(stack, ports)

    async def all_sent() -> bool:
        return int((await stack.fake("whatsapp", "stats"))["accepted"]) >= TOTAL

    await wait_for(all_sent, 300, every=1.0)
    elapsed = time.monotonic() - started
    stats = await stack.fake("whatsapp", "stats")
    counts = Counter(m["callback"] for m in (await stack.fake("whatsapp", "messages"))["messages"])
    sent, handed_over = {}, {}
    for name, port in ports.items():
        sent[name] = await stack.metric(
            "nazar_publisher_sends_total", port=port, channel="whatsapp"
        )
        handed_over[name] = await stack.metric("nazar_publisher_handed_back_total", port=port)

    overall = float(stats["mean_rate"])
    # The steady drain, without the ramp while both instances join the consumer group (the
    # first two whole seconds at the fake) and the last, partial second.
    middle = list(stats["per_second"])[2:-1]
    sustained = sum(middle) / len(middle)
    print(
        f"\n{TOTAL} deliveries through 2 publishers, one number capped at {CAP}/s:"
        f"\n  busiest second at the fake: {stats['max_attempts_in_any_second']} requests,"
        f" {stats['max_accepted_in_any_second']} accepted; rejected {stats['rejected']}"
        f"\n  sustained rate (whole seconds but the first two and the last): {sustained:.0f}/s"
        f" ({100 * sustained / CAP:.1f}% of the cap); first to last accepted: {overall:.0f}/s"
        f" ({100 * overall / CAP:.1f}%); {elapsed:.1f} s from the restart to the last accepted"
        f"\n  whole seconds at the fake: {stats['per_second']}"
    )
    for name in ports:
        role = "owner" if name == owner else "not owner"
        print(f"  {name} ({role}): sent {sent[name]:.0f}, handed over {handed_over[name]:.0f}")

    assert set(counts) == ids and max(counts.values()) == 1  # every delivery, once
    assert sent[other] == 0  # only the owner sends
    assert handed_over[other] > 0  # the other consumed, and handed over
    assert stats["max_attempts_in_any_second"] <= CAP
    assert sustained >= 0.95 * CAP
