"""bench/social: `--requests` publish requests (1,000) spread over three accounts (the X, Facebook
and Instagram state accounts) against the fake networks with their real limits (counts), each
fake's windows scaled down so that the window that binds its account lasts `--window` seconds
(default 120: Instagram's rolling 24 hours and X's 15-minute posting window both become two
minutes, scales 1/720 and 2/15) and the run takes minutes. The counts are the real ones, so the
ratio is what it would be unscaled: the publisher's own waits that stand for Instagram's clock
(the wait once its quota is used up, after a rate limit, between a container's status polls)
are scaled with it (`publisher_clock`). X's reset comes in whole seconds (`x-rate-limit-reset`),
so windows much shorter than a minute would measure that rounding, not the limits.

The social-publisher and the fakes run as `deploy/stack up` starts them (bench/social/stack.py),
on the benchmark's Kafka and PostgreSQL (bench.common.infra), with a fresh database and topics.
Figures: per account, the time from its first post to its last at the fake (drain) beside the
limits' own minimum for that many posts (bench/social/limits.py: the earliest schedule the
limits allow, the baseline measured in the same run from the fakes' own configuration), the
ratio (target ≤ 1.1), the time from the requests on Kafka to the last PublishPosted, and CPU
milliseconds per post of the publisher (and of the fakes, Kafka, PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from fractions import Fraction
from typing import Any

import httpx

from bench.common import create_database, create_topics, delete_topics, drop_database, infra
from bench.common import report as print_report
from bench.sender.procs import CpuMeter, kafka_pids, postgres_pids
from bench.social.fakes import DAY, NETWORKS, Ports, State, config_of, configure, posts
from bench.social.limits import Limit, minimum_drain
from bench.social.stack import (
    PUBLISHER,
    Creatives,
    SocialStack,
    creative_jpeg,
    posted_once,
    produce,
    request,
    results,
)

TARGET = 1.1
DEFAULT_WINDOW = 120.0


def _iso(seconds: float) -> str:
    return f"PT{seconds:.4f}S"


def publisher_clock(window: float) -> dict[str, str]:
    """The publisher's own waits that stand for Instagram's clock, on the same scale as the
    fake's day: how long it waits once the 24-hour quota is used up (it cannot know when the
    rolling window frees a place: 1 hour of 24), after a rate limit (15 minutes), and between a
    container's status polls (Instagram's processing time, which the fake counts in polls).
    X waits for the reset its fake announces, Facebook's limit does not bind."""
    scale = window / DAY
    return {
        "NAZAR_INSTAGRAM_QUOTA_WAIT": _iso(3600 * scale),
        "NAZAR_INSTAGRAM_RATE_WAIT": _iso(900 * scale),
        "NAZAR_INSTAGRAM_POLL_INITIAL": _iso(max(1.0 * scale, 0.01)),
        "NAZAR_INSTAGRAM_POLL_MAX": _iso(max(15.0 * scale, 0.05)),
    }


async def _scaled_limits(
    http: httpx.AsyncClient, base: int, window: float
) -> dict[str, tuple[Fraction, list[Limit]]]:
    """Each fake's windows scaled, then its limits as it now enforces them."""
    out = {}
    for network, fake in NETWORKS.items():
        scale = Fraction(window).limit_denominator(10**6) / Fraction(fake.window)
        await configure(http, base, network, fake.scaled(scale))
        out[network] = (scale, fake.limits(await config_of(http, base, network)))
    return out


async def run(total: int, window: float) -> dict[str, Any]:
    port_base = os.environ.get("NAZAR_PORT_BASE", "21400")
    with infra(name="bench-social", port_base=port_base) as srv:
        base = int(port_base)
        dsn = await create_database(srv.pg_dsn, "bench_social")
        tag = uuid.uuid4().hex[:6]
        requests_topic, results_topic = f"bench.social.req.{tag}", f"bench.social.res.{tag}"
        await create_topics(srv.kafka_bootstrap, requests_topic, results_topic, partitions=3)
        creatives = Creatives()
        await creatives.start()
        stack = SocialStack(
            Ports(base),
            State("bench-social"),
            {"NAZAR_KAFKA_BOOTSTRAP": srv.kafka_bootstrap, "NAZAR_PG_DSN": srv.pg_dsn},
            dsn,
            requests_topic,
            results_topic,
            {"NAZAR_LOG_LEVEL": "WARNING", **publisher_clock(window)},
        )
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                stack.start_fakes()
                stack.start_publisher()
                await stack.ready(http)
                figures = await _measure(http, stack, srv.kafka_bootstrap, creatives, total, window)
        finally:
            stack.stop()
            await creatives.stop()
            await drop_database(srv.pg_dsn, dsn)
            await delete_topics(srv.kafka_bootstrap, requests_topic, results_topic)
    return figures


async def _measure(
    http: httpx.AsyncClient,
    stack: SocialStack,
    bootstrap: str,
    creatives: Creatives,
    total: int,
    window: float,
) -> dict[str, Any]:
    base = stack.ports.base
    scaled = await _scaled_limits(http, base, window)
    networks = list(NETWORKS)
    tag = uuid.uuid4().hex[:8]
    reqs = [
        request(
            n,
            networks[n % 3],
            tag,
            [creatives.add(creative_jpeg(n))] if networks[n % 3] == "instagram" else [],
        )
        for n in range(total)
    ]
    wanted = {r.post_id for r in reqs}
    texts = {(r.channel.value, r.text) for r in reqs}
    fakes = [stack.pid(f.service) for f in NETWORKS.values()]
    meter = CpuMeter(
        {
            "publisher": [stack.pid(PUBLISHER)],
            "fakes": fakes,
            "kafka": kafka_pids(State("bench-social").dir),
            "postgres": postgres_pids(State("bench-social").dir),
        }
    )
    meter.start()
    started = time.monotonic()
    await produce(bootstrap, stack.requests_topic, reqs)
    while not set(posted_once(await results(bootstrap, stack.results_topic))) >= wanted:  # noqa: ASYNC110
        await asyncio.sleep(1.0)
    wall = time.monotonic() - started
    cpu = {name: percent * wall / 100 for name, percent in meter.stop(wall).items()}

    figures: dict[str, Any] = {
        "requests": total,
        "binding window, scaled to, s": window,
        "requests on Kafka to the last PublishPosted, s": wall,
    }
    worst = 0.0
    for network in networks:
        ours = [p for p in await posts(http, base, network) if (network, p.text) in texts]
        times = sorted(p.at for p in ours)
        drain = times[-1] - times[0] if times else 0.0
        scale, limits = scaled[network]
        floor = minimum_drain(len(ours), limits)
        ratio = drain / floor if floor else float("nan")
        worst = max(worst, ratio) if floor else worst
        shown = ", ".join(f"{x.name} {x.count}/{x.window:g}s" for x in limits)
        figures |= {
            f"{network}: posts": len(ours),
            f"{network}: window scale": str(scale),
            f"{network}: limits (scaled)": shown,
            f"{network}: drain, first to last post, s": drain,
            f"{network}: baseline, the limits' minimum, s": floor,
            f"{network}: drain / minimum": ratio,
        }
    posted = len(wanted)
    figures |= {
        "publisher CPU ms per post": 1000 * cpu["publisher"] / posted,
        "fakes CPU ms per post": 1000 * cpu["fakes"] / posted,
        "kafka CPU ms per post": 1000 * cpu["kafka"] / posted,
        "postgres CPU ms per post": 1000 * cpu["postgres"] / posted,
        f"target drain <= {TARGET} x minimum met": (
            str(worst <= TARGET) if worst else "n/a (no limit binds at this size)"
        ),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.social", description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--window", type=float, default=DEFAULT_WINDOW,
        help="seconds the binding window of each network's limit lasts (scaled down)",
    )  # fmt: skip
    args = parser.parse_args()
    print_report("social", asyncio.run(run(args.requests, args.window)))


if __name__ == "__main__":
    main()
