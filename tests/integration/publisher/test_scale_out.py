"""Several publisher instances (issue 18, item 6): each sender number is owned by exactly one
instance (a lease: an advisory lock on a connection of its own), a killed owner's number is
taken over, and work an instance consumed for a number it does not own reaches the owner through
the database. The cap under load is the chaos suite's (`tests/chaos/test_publisher_scale.py`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import asyncpg
import pytest
from social_publisher.workers.leases import Leases, lease_key

from tests.integration.publisher.support import (
    PHONE_IDS,
    Stack,
    free_port,
    kill,
    new_number,
    request,
    wait_for,
)

SENDER = PHONE_IDS[0]
PUBLISHER_SETTINGS = {
    "NAZAR_WHATSAPP_PHONE_NUMBER_IDS": json.dumps([SENDER]),
    "NAZAR_LEASE_RETRY": "PT0.5S",
}
pytestmark = pytest.mark.timeout(300)


async def _lease_holder(dsn: str, key: int) -> int | None:
    """The server process holding advisory lock `key` in this database (the lease's session)."""
    conn = await asyncpg.connect(dsn)
    try:
        pid = await conn.fetchval(
            """SELECT pid FROM pg_locks
               WHERE locktype = 'advisory' AND granted AND objsubid = 1
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND ((classid::bigint << 32) | objid::bigint) = $1""",
            key,
        )
        return None if pid is None else int(pid)
    finally:
        await conn.close()


async def test_two_instances_never_both_own_a_number_and_a_lost_lease_is_taken_over(
    fresh_database: str,
) -> None:
    senders = ["100000000000001", "100000000000002", "sms"]
    events: list[tuple[float, str, str, str]] = []

    def instance(name: str) -> Leases:
        leases = Leases(fresh_database, senders, retry=0.2, ping=0.1, ping_timeout=0.5)
        leases.on_gain = lambda s: events.append((time.monotonic(), name, "gain", s))
        leases.on_loss = lambda s: events.append((time.monotonic(), name, "loss", s))
        return leases

    a, b = instance("a"), instance("b")
    stop = asyncio.Event()
    overlaps: list[set[str]] = []

    async def watch() -> None:
        while not stop.is_set():
            if a.owned & b.owned:
                overlaps.append(a.owned & b.owned)
            await asyncio.sleep(0.002)

    tasks = [asyncio.create_task(t) for t in (a.run(stop), b.run(stop), watch())]
    try:

        async def all_owned() -> bool:
            return a.owned | b.owned == set(senders)

        await wait_for(all_owned, 20, every=0.05)
        await asyncio.sleep(1.0)  # both keep trying every 0.2 s meanwhile
        assert a.owned | b.owned == set(senders)

        # The owner's lease connection dies (as when its server session is terminated).
        number = senders[0]
        owner, other = ("a", b) if number in a.owned else ("b", a)
        pid = await _lease_holder(fresh_database, lease_key(number))
        assert pid is not None
        admin = await asyncpg.connect(fresh_database)
        try:
            killed_at = time.monotonic()
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

        async def taken_over() -> bool:
            return number in other.owned

        await wait_for(taken_over, 10, every=0.01)
        loss = [t for t, n, k, s in events if (n, k, s) == (owner, "loss", number)]
        gain = [t for t, n, k, s in events if n != owner and (k, s) == ("gain", number)]
        assert loss, "the killed owner did not drop the number"
        assert loss[0] < gain[-1], "the other instance took the number before the owner dropped it"
        print(
            f"lease killed: dropped by its owner after {1000 * (loss[0] - killed_at):.1f} ms, "
            f"taken over after {1000 * (gain[-1] - killed_at):.0f} ms"
        )
        # The former owner tries again and finds it owned: still one owner per number.
        await asyncio.sleep(1.0)
        assert a.owned | b.owned == set(senders)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert overlaps == []
    assert not a.owned and not b.owned  # released at stop


async def _sent_once(stack: Stack, ids: set[str]) -> Counter[str]:
    async def all_sent() -> bool:
        return {m["callback"] for m in await stack.sent_for(ids)} == ids

    await wait_for(all_sent, 120, every=0.5)
    return Counter(m["callback"] for m in await stack.sent_for(ids))


async def test_two_publishers_one_owner_work_handed_over_and_a_killed_owner_replaced(
    stack: Stack,
) -> None:
    ports = {"publisher-2": (free_port(), free_port())}
    await stack.start_instance("publisher-2", *ports["publisher-2"])
    metrics_ports = {"publisher": stack.metrics_port, "publisher-2": ports["publisher-2"][1]}

    async def owned_by() -> dict[str, float]:
        return {
            name: await stack.metric("nazar_publisher_sender_owned", port=port, sender=SENDER)
            for name, port in metrics_ports.items()
            if stack.procs[name].poll() is None
        }

    async def one_owner() -> bool:
        return sorted((await owned_by()).values()) == [0.0, 1.0]

    await wait_for(one_owner, 30)
    owner = next(n for n, v in (await owned_by()).items() if v == 1.0)
    other = next(n for n in metrics_ports if n != owner)

    # Deliveries in rounds until the other instance (once the group gave it partitions) has
    # handed some to the owner: every one reaches the fake exactly once, from the owner.
    handed = 0.0
    for round_ in range(4):
        members = [f"so{round_}-{new_number()}" for _ in range(200)]
        await stack.add_contacts([{"member_id": m, "whatsapp": new_number()} for m in members])
        reqs = [request(m) for m in members]
        ids = {r["delivery_id"] for r in reqs}
        await stack.deliver(reqs)
        counts = await _sent_once(stack, ids)
        assert set(counts) == ids and max(counts.values()) == 1
        handed = await stack.metric(
            "nazar_publisher_handed_back_total", port=metrics_ports[other], sender=SENDER
        )
        if handed > 0:
            break
    assert handed > 0, "the non-owner never consumed a delivery: no partitions after 4 rounds"
    sent_by_other = await stack.metric(
        "nazar_publisher_sends_total", port=metrics_ports[other], channel="whatsapp"
    )
    assert sent_by_other == 0  # it owns no number: it sends nothing itself
    sent_by_owner = await stack.metric(
        "nazar_publisher_sends_total", port=metrics_ports[owner], channel="whatsapp"
    )
    print(f"{owner} owns {SENDER}, sent {sent_by_owner:.0f}; {other} handed over {handed:.0f}")

    # The owner dies: the other instance takes the number over and sends the next deliveries.
    kill(stack.procs[owner])

    async def other_owns() -> bool:
        return (await owned_by()).get(other) == 1.0

    await wait_for(other_owns, 30)
    members = [f"so-after-{new_number()}" for _ in range(200)]
    await stack.add_contacts([{"member_id": m, "whatsapp": new_number()} for m in members])
    reqs = [request(m) for m in members]
    ids = {r["delivery_id"] for r in reqs}
    await stack.deliver(reqs)
    counts = await _sent_once(stack, ids)
    assert set(counts) == ids and max(counts.values()) == 1
    stats = await stack.fake("whatsapp", "stats")
    print(f"busiest second at the fake: {stats['max_attempts_in_any_second']} (cap 80)")
