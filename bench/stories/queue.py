"""bench/stories (queue): the moderation queue page with 100,000 stories in the database.

    uv run python -m bench.stories.queue [--stories 100000] [--requests 300]

Stories are loaded with COPY, spread like the field's: every district of a 50-district tree (5
circles of 4 police stations each; the busiest districts write most), every state and kind, a
third waiting in review (half at the circles, a third at the districts, the rest at PHQ) for up
to 30 days. story-intake then runs as its own process and `GET /api/v1/stories/queue` is timed
as a CO (level circle), an SP (district) and the PHQ cell (phq), each for a random circle or
district: p50/p99 over `--requests` requests. Beside it, in the same run: a bare `SELECT 1`
round trip, and the queue's SQL itself with and without its indexes (index scans off), so the
figures show what the index buys and what HTTP, the token and JSON add. Target: p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from nazar_contracts.stories import ReviewLevel, StoryKind
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from nazar_platform.db import migrations
from story_intake.app import story_migrations
from story_intake.store import stories as store

from bench.common import ROOT, create_database, drop_database, infra, report

DISTRICTS, CIRCLES, STATIONS = 50, 5, 4
STATES = [("draft", 15), ("in_review", 35), ("sent_back", 5), ("approved", 30),
          ("rejected", 10), ("withdrawn", 5)]  # fmt: skip
LEVELS = [(ReviewLevel.CIRCLE, 50), (ReviewLevel.DISTRICT, 30), (ReviewLevel.PHQ, 20)]
TEXT = (
    "तिजारा थाना पुलिस ने नाकाबंदी के दौरान चोरी की सात मोटरसाइकिलें बरामद कीं और गिरोह के तीन "
    "सदस्यों को गिरफ़्तार किया। Police recovered seven stolen motorcycles at a checkpoint."
)


def tree() -> list[tuple[str, str, list[str]]]:
    units = [("RJ", "state", ["RJ"])]
    for d in range(DISTRICTS):
        dp = ["RJ", f"DST-{d:02d}"]
        units.append((dp[-1], "district", dp))
        for c in range(CIRCLES):
            cp = [*dp, f"CIR-{d:02d}-{c}"]
            units.append((cp[-1], "circle", cp))
            units += [(f"PS-{d:02d}-{c}-{s}", "police_station", [*cp, f"PS-{d:02d}-{c}-{s}"])
                      for s in range(STATIONS)]  # fmt: skip
    return units


def pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def story_rows(n: int, rng: random.Random) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    district_weight = [1 / (d + 1) ** 0.7 for d in range(DISTRICTS)]  # a few busy districts
    rows = []
    for i in range(n):
        d = rng.choices(range(DISTRICTS), district_weight)[0]
        c, s = rng.randrange(CIRCLES), rng.randrange(STATIONS)
        state = pick(rng, STATES)
        level = str(pick(rng, LEVELS)) if state in ("in_review", "sent_back") else None
        created = now - timedelta(seconds=rng.uniform(0, 90 * 86400))
        arrived = now - timedelta(seconds=rng.uniform(0, 30 * 86400)) if level else None
        rows.append((
            uuid.uuid4(), f"M-{d:02d}-{c}-{s}-{i % 40}", "constable", f"PS-{d:02d}-{c}-{s}",
            f"CIR-{d:02d}-{c}", f"DST-{d:02d}", str(rng.choice(list(StoryKind))),
            f"कहानी {i}", TEXT, "तिजारा", date(2026, 11, 1), state, level,
            f"M-{d:02d}-{c}-{s}-{i % 40}", "pass", created, arrived or created, arrived,
        ))  # fmt: skip
    return rows


COLUMNS = ["id", "author_id", "author_role", "unit_id", "circle_id", "district_id", "kind",
           "title_hi", "text_hi", "place", "event_date", "state", "level", "last_editor_id",
           "gate_verdict", "created_at", "updated_at", "arrived_at"]  # fmt: skip


async def load(dsn: str, n: int, rng: random.Random) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await migrations.apply(conn, [*migrations.platform_migrations(), *story_migrations()])
        await conn.executemany("INSERT INTO units (id, kind, path) VALUES ($1, $2, $3)", tree())
        started = time.perf_counter()
        await conn.copy_records_to_table("stories", records=story_rows(n, rng), columns=COLUMNS)
        await conn.execute("ANALYZE stories")
        return time.perf_counter() - started
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {"p50_ms": statistics.median(ms), "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))]}


async def timed(run: Callable[[], Awaitable[object]], requests: int) -> dict[str, float]:
    for _ in range(10):  # warm the caches and the pool
        await run()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def token(member_id: str, grant: str) -> str:
    settings = AuthSettings()
    return mint(member_id, [Grant.parse(grant)],
                private_key=ensure_dev_keypair(settings.dev_private_key_path),
                issuer=settings.issuer, audience=settings.audience,
                ttl=timedelta(hours=1), kid=settings.dev_kid)  # fmt: skip


def reviewers(rng: random.Random) -> dict[str, Callable[[], tuple[str, str]]]:
    """Per level: a fresh (level, grant) for each request, a random circle or district."""

    def co() -> tuple[str, str]:
        return "circle", f"co:CIR-{rng.randrange(DISTRICTS):02d}-{rng.randrange(CIRCLES)}"

    def sp() -> tuple[str, str]:
        return "district", f"sp:DST-{rng.randrange(DISTRICTS):02d}"

    return {"co": co, "sp": sp, "phq": lambda: ("phq", "sp_phq_crime:RJ")}


async def sql_figures(dsn: str, requests: int, rng: random.Random) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    conn = await asyncpg.connect(dsn)
    try:
        figures["select_1"] = await timed(lambda: conn.fetchval("SELECT 1"), requests)
        for indexes in ("on", "off"):
            await conn.execute(f"SET enable_indexscan = {indexes}")
            await conn.execute(f"SET enable_bitmapscan = {indexes}")
            for who, next_of in reviewers(rng).items():

                async def query(next_of: Callable[[], tuple[str, str]] = next_of) -> object:
                    level, grant = next_of()
                    unit = grant.split(":")[1]
                    scope: dict[str, Any] = (
                        {"circle_ids": [unit]} if level == "circle"
                        else {"district_ids": [unit]} if level == "district"
                        else {"everywhere": True}
                    )  # fmt: skip
                    return await store.queue(conn, level, limit=200, **scope)

                figures[f"sql_{who}_index_{indexes}"] = await timed(query, requests)
    finally:
        await conn.close()
    return figures


async def http_figures(url: str, requests: int, rng: random.Random) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    # Every grant's token minted before the clock runs: signing is the identity provider's work.
    for d in range(DISTRICTS):
        for grant in [f"sp:DST-{d:02d}", *(f"co:CIR-{d:02d}-{c}" for c in range(CIRCLES))]:
            tokens[grant] = token(f"M-BENCH-{grant}", grant)
    tokens["sp_phq_crime:RJ"] = token("M-BENCH-PHQ", "sp_phq_crime:RJ")
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        for who, next_of in reviewers(rng).items():
            sizes: list[int] = []

            async def page(
                next_of: Callable[[], tuple[str, str]] = next_of, sizes: list[int] = sizes
            ) -> object:
                level, grant = next_of()
                r = await c.get(
                    "/api/v1/stories/queue",
                    params={"level": level},
                    headers={"Authorization": f"Bearer {tokens[grant]}"},
                )
                r.raise_for_status()
                sizes.append(len(r.json()["items"]))
                return r

            figures[f"http_{who}"] = {
                **await timed(page, requests),
                "stories_per_page": statistics.mean(sizes),
            }
    return figures


async def serve(dsn: str, bootstrap: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NAZAR_DATABASE_URL": dsn, "NAZAR_KAFKA_BOOTSTRAP": bootstrap,
           "NAZAR_HTTP_PORT": str(port), "NAZAR_ENVIRONMENT": "test",
           "NAZAR_TOPIC_UNITS": "bench.story-intake.no-units",
           "NAZAR_TOPIC_MEMBERS": "bench.story-intake.no-members",
           "NAZAR_CONSUMER_GROUP_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
           "NAZAR_LOG_LEVEL": "WARNING"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "story_intake", "serve"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as c:
        while time.monotonic() < deadline:
            try:
                if (await c.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    proc.kill()
    raise RuntimeError("story-intake did not become ready")


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    with infra() as servers:
        dsn = await create_database(servers.pg_dsn, "bench_story_queue")
        try:
            copy_seconds = await load(dsn, args.stories, rng)
            figures: dict[str, Any] = {"stories": args.stories, "copy_seconds": copy_seconds}
            figures.update(await sql_figures(dsn, args.requests, rng))
            port = args.port or free_port()
            proc = await serve(dsn, servers.kafka_bootstrap, port)
            try:
                url = f"http://127.0.0.1:{port}"
                figures.update(await http_figures(url, args.requests, rng))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        finally:
            await drop_database(servers.pg_dsn, dsn)
    flat = {
        f"{k}_{m}" if isinstance(v, dict) else k: (v[m] if isinstance(v, dict) else v)
        for k, v in figures.items()
        for m in (v if isinstance(v, dict) else [""])
    }
    flat["target_p99_ms"] = 50.0
    met = all(figures[f"http_{w}"]["p99_ms"] <= 50 for w in ("co", "sp", "phq"))
    flat["target_met"] = str(met)
    report("stories-queue", flat)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stories.queue", description=__doc__)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per reviewer and variant")
    parser.add_argument("--port", type=int, default=0, help="story-intake's (0: a free one)")
    parser.add_argument("--seed", type=int, default=2026)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
