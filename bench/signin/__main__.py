"""bench/signin: phone sign-ins at the roster (issue 16: 100 sign-ins/s for 60 s, p99 ≤ 1 s).

    uv run python -m bench.signin [--rate 100] [--seconds 60] [--scale demo]

The roster runs as `deploy/stack up` starts it (bench/alerts/stack.py), on the benchmark's Kafka
and PostgreSQL (NAZAR_PORT_BASE, default 38500; or NAZAR_KAFKA_BOOTSTRAP and NAZAR_PG_DSN),
seeded with the synthetic roster at `--scale`. Members' WhatsApp numbers sign in open loop at
`--rate` a second: `POST /api/v1/auth/codes`, then the code is read where the publisher reads it
(auth.codes.v1, opened with the shared key, as social-publisher does) and traded at
`POST /api/v1/auth/codes/verify`. Each request's time counts from when it was due.

Figures: code request p50/p99, request → sealed code on Kafka (the outbox) p50/p99, verify
p50/p99, the whole sign-in (request + verify round trips), refusals, and CPU ms per sign-in of
the roster, Kafka and PostgreSQL. Baseline in the same run: the same rate of code requests
with a number that is not a mobile (the HTTP stack and validation alone, 422, no database).

The bench is one client address and reuses the demo roster's numbers: the per-address and
per-minute limits are lifted and the per-number limit set to what the run needs (printed); the
counting queries behind them still run on every request.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer
from nazar_contracts import topics
from nazar_contracts.auth import AuthCodeRequested
from nazar_platform.auth.sealed import DEV_CODE_KEY, Sealed, Sealer, derived_keys

from bench.alerts.load import client, percentile
from bench.alerts.stack import ROOT, AlertStack, Ports, State
from bench.common import infra, report, services_env
from bench.sender.procs import cpu_seconds, kafka_pids, postgres_pids

NAME = "bench-signin"
TARGET = 1.0  # seconds, p99 of each step (issue 16)


@dataclass
class Codes:
    """Codes as the publisher would open them, by sign-in id, with when they reached Kafka."""

    sealer: Sealer = field(default_factory=lambda: Sealer(derived_keys([DEV_CODE_KEY])))
    waiting: dict[str, asyncio.Future[tuple[str, float]]] = field(default_factory=dict)

    def future(self, sign_in_id: str) -> asyncio.Future[tuple[str, float]]:
        return self.waiting.setdefault(sign_in_id, asyncio.get_running_loop().create_future())

    async def tail(self, bootstrap: str, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            topics.AUTH_CODES, bootstrap_servers=bootstrap, auto_offset_reset="latest"
        )
        await consumer.start()
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=200)
                now = time.time()
                for records in batches.values():
                    for r in records:
                        event = AuthCodeRequested.model_validate_json(r.value or b"{}")
                        context = f"{event.sign_in_id}:{event.member_id}"
                        code = self.sealer.open(Sealed(event.key_id, event.sealed_code), context)
                        future = self.future(event.sign_in_id)
                        if not future.done():
                            future.set_result((code, now))
        finally:
            await consumer.stop()


@dataclass
class Run:
    request: list[float] = field(default_factory=list)
    to_kafka: list[float] = field(default_factory=list)
    verify: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, why: str) -> None:
        self.refused[why] = self.refused.get(why, 0) + 1


async def _sign_in(
    http: aiohttp.ClientSession, base: str, phone: str, due: float, codes: Codes, run: Run
) -> None:
    async with http.post(f"{base}/auth/codes", json={"phone": phone}) as r:
        body = await r.json()
        answered = time.time()
        if r.status != 202:
            run.refuse(f"request {r.status} {body.get('code')}")
            return
    run.request.append(answered - due)
    try:
        code, on_kafka = await asyncio.wait_for(codes.future(body["sign_in_id"]), 60)
    except TimeoutError:
        run.refuse("no code on Kafka within 60 s")
        return
    run.to_kafka.append(on_kafka - due)
    sent = time.time()
    payload = {"sign_in_id": body["sign_in_id"], "code": code}
    async with http.post(f"{base}/auth/codes/verify", json=payload) as v:
        ticket = await v.json()
        done = time.time()
    if v.status != 200 or not ticket.get("ticket"):
        run.refuse(f"verify {v.status} {ticket.get('code')}")
        return
    run.verify.append(done - sent)
    run.whole.append((answered - due) + (done - sent))


async def _baseline(http: aiohttp.ClientSession, base: str, due: float, out: list[float]) -> None:
    async with http.post(f"{base}/auth/codes", json={"phone": "12345"}) as r:
        await r.read()
        if r.status == 422:
            out.append(time.time() - due)


async def _open_loop(rate: float, seconds: float, one: Any) -> None:
    """`one(i, due)` started at `rate` a second for `seconds`, each counted from when it was due."""
    began, tasks = time.time(), []
    for i in range(int(rate * seconds)):
        due = began + i / rate
        await asyncio.sleep(max(0.0, due - time.time()))
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)


async def _phones(env: dict[str, str]) -> list[str]:
    """Numbers of active members with a posting that only they have."""
    dsn = env["NAZAR_PG_DSN"].rsplit("/", 1)[0] + "/nazar_roster"
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            """SELECT c.whatsapp FROM contacts c JOIN members m USING (member_id)
               WHERE m.active AND NOT m.consent_required AND c.whatsapp IS NOT NULL
                 AND EXISTS (SELECT 1 FROM postings p WHERE p.member_id = m.member_id)
               GROUP BY c.whatsapp HAVING count(*) = 1 ORDER BY c.whatsapp"""
        )
        return [r["whatsapp"] for r in rows]
    finally:
        await conn.close()


async def _relayed(env: dict[str, str]) -> None:
    conn = await asyncpg.connect(env["NAZAR_PG_DSN"].rsplit("/", 1)[0] + "/nazar_roster")
    try:
        deadline = time.monotonic() + 600
        while await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            if time.monotonic() > deadline:
                raise RuntimeError("the roster's outbox did not drain in 10 minutes")
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def _ms(values: list[float], q: float) -> float:
    return 1000 * percentile(values, q) if values else math.nan


async def bench(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    ports, state = Ports(int(env["NAZAR_PORT_BASE"])), State(NAME)
    seeder = AlertStack(ports, state, env, 1000, names=())
    await seeder.seed(args.scale)
    await seeder.stop()
    phones = await _phones(env)
    total = int(args.rate * args.seconds)
    per_phone = max(3, math.ceil(total / len(phones)))
    settings = {
        "NAZAR_SIGN_IN_CODES_PER_PHONE": str(per_phone),
        "NAZAR_SIGN_IN_CODES_PER_ADDRESS": "100000000",
        "NAZAR_SIGN_IN_CODES_PER_MINUTE": "100000000",
        "NAZAR_RATE_LIMIT_SIGN_IN": "off",
    }
    stack = AlertStack(
        ports, state, env, 1000, names=("roster",), settings={"roster": settings},
        logs=ROOT / ".state" / "bench-signin-logs",
    )  # fmt: skip
    codes, run, baseline, stop = Codes(), Run(), list[float](), asyncio.Event()
    try:
        await stack.start()
        await _relayed(env)  # the seeded roster's own events are out before the clock starts
        base = stack.url("roster", "/api/v1")
        tailing = asyncio.create_task(codes.tail(env["NAZAR_KAFKA_BOOTSTRAP"], stop))
        await asyncio.sleep(3)  # the tail's partitions assigned before the first code
        groups = {
            **stack.pids(),
            "kafka": kafka_pids(ROOT / ".state" / NAME),
            "postgres": postgres_pids(ROOT / ".state" / NAME),
        }

        def cpu() -> dict[str, float]:
            return {k: sum(map(cpu_seconds, pids)) for k, pids in groups.items()}

        async with client(256) as http:
            await _open_loop(
                args.rate, args.seconds / 4, lambda i, due: _baseline(http, base, due, baseline)
            )
            before = cpu()
            await _open_loop(
                args.rate,
                args.seconds,
                lambda i, due: _sign_in(
                    http, base, f"+{phones[i % len(phones)].lstrip('+')}", due, codes, run
                ),
            )
            after = cpu()
        stop.set()
        await tailing
    finally:
        stop.set()
        await stack.stop()
    signed_in = len(run.whole)
    return {
        "scale": args.scale,
        "rate asked (sign-ins/s)": args.rate,
        "seconds": args.seconds,
        "numbers used (codes per number)": f"{min(len(phones), total)} ({per_phone})",
        "signed in": signed_in,
        "refused": sum(run.refused.values()),
        "refusals": ", ".join(f"{k}: {v}" for k, v in run.refused.items()) or "none",
        "code request p50 (ms)": _ms(run.request, 0.5),
        "code request p99 (ms)": _ms(run.request, 0.99),
        "request → sealed code on Kafka p50 (ms)": _ms(run.to_kafka, 0.5),
        "request → sealed code on Kafka p99 (ms)": _ms(run.to_kafka, 0.99),
        "verify p50 (ms)": _ms(run.verify, 0.5),
        "verify p99 (ms)": _ms(run.verify, 0.99),
        "sign-in (request + verify) p50 (ms)": _ms(run.whole, 0.5),
        "sign-in (request + verify) p99 (ms)": _ms(run.whole, 0.99),
        "baseline (422, no database) p50 (ms)": _ms(baseline, 0.5),
        "baseline (422, no database) p99 (ms)": _ms(baseline, 0.99),
        "ratio code request p50 / baseline p50": percentile(run.request, 0.5)
        / max(percentile(baseline, 0.5), 1e-9)
        if run.request and baseline
        else math.nan,
        **{
            f"CPU ms per sign-in, {k}": 1000 * (after[k] - before[k]) / max(signed_in, 1)
            for k in groups
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signin", description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="sign-ins a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--scale", choices=("demo", "state"), default="demo")
    args = parser.parse_args()
    os.environ.setdefault("NAZAR_PORT_BASE", "38500")
    with infra(NAME) as servers:
        env = services_env(NAME, servers)
        figures = asyncio.run(bench(args, env))
    report("signin", figures)
    worst = max(figures["code request p99 (ms)"], figures["verify p99 (ms)"])
    print(f"\ntarget p99 ≤ 1 s for each step: "
          f"{'met' if worst <= TARGET * 1000 else 'missed'} ({worst:,.0f} ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
