"""bench/roster: the state-scale synthetic roster imported through the API and on Kafka.

    uv run python -m bench.roster [--scale state|demo]

Generates the state roster (about 1,200 units, 100,000 police, 200,000 volunteers), starts the
roster service as its own process on fresh topics and a fresh database, uploads the three CSV
files as headquarters would (units, HR export, volunteer lists), and reports: rows/s of the
import, seconds until the last record of each topic is published (from the outbox's own
`published_at`, set once Kafka acknowledged the record), the service's peak memory (VmHWM), and
a re-import of the HR export (which must emit nothing). Same-run baselines: a bare COPY of the
same CSV files into a table without indexes, and a raw aiokafka producer sending as many records
of the same size as the import published. Target: under 60 s in all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nazar_platform.auth.keys import ensure_dev_keypair
from nazar_platform.auth.tokens import AuthSettings, Grant, mint
from nazar_platform.kafka.clients import make_producer
from nazar_rostergen.build import Scale
from nazar_rostergen.files import write

from bench.common import ROOT, create_database, delete_topics, drop_database, infra, report

TOPICS = ("units", "members", "contacts", "groups")


async def _create_topics(bootstrap: str, run: str) -> dict[str, str]:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    names = {t: f"bench.roster.{t}.{run}" for t in TOPICS}
    names["replies"] = f"bench.dispatch.replies.{run}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, 6, 1, topic_configs={"cleanup.policy": "compact"}) for t, n in
             names.items() if t != "replies"] + [NewTopic(names["replies"], 2, 1)]
        )  # fmt: skip
    finally:
        await admin.close()
    return names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _upload(client: httpx.AsyncClient, path: Path, params: dict[str, str]) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/imports", params={**params, "filename": path.name}, content=path.read_bytes(),
        headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    r.raise_for_status()
    import_id = r.json()["import_id"]
    while True:
        body: dict[str, Any] = (await client.get(f"/api/v1/imports/{import_id}")).json()
        if body["status"] != "running":
            assert body["status"] == "done", body
            return body
        await asyncio.sleep(0.1)


async def _relayed(dsn: str, started_wall: float) -> dict[str, tuple[float, int]]:
    """Seconds from the first upload until the last record of each topic was acknowledged."""
    conn = await asyncpg.connect(dsn)
    try:
        pending = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        while await conn.fetchval(pending):  # noqa: ASYNC110 - polling another process's work
            await asyncio.sleep(0.1)
        rows = await conn.fetch(
            "SELECT topic, count(*) AS n, extract(epoch FROM max(published_at)) AS last"
            " FROM outbox GROUP BY topic"
        )
        return {r["topic"]: (float(r["last"]) - started_wall, int(r["n"])) for r in rows}
    finally:
        await conn.close()


SEARCHES = {
    "name, Latin substring 'ram'": {"q": "ram"},
    "name, Hindi surname 'शर्मा'": {"q": "शर्मा"},
    "name, full Latin 'sunita meena'": {"q": "sunita meena"},
    "unit subtree DST-BIKANER": {"unit": "DST-BIKANER"},
    "role sho": {"role": "sho"},
    "name 'kumar' within DST-BIKANER": {"q": "kumar", "unit": "DST-BIKANER"},
}


async def _searches(client: httpx.AsyncClient, dsn: str, key_path: Path) -> dict[str, float]:
    """Median milliseconds of a first page (50) of member searches, as HQ and as an SP."""
    conn = await asyncpg.connect(dsn)
    try:
        sp = await conn.fetchval(
            "SELECT member_id FROM postings WHERE role = 'sp' AND unit_id = 'DST-BIKANER'"
        )
    finally:
        await conn.close()
    settings = AuthSettings(dev_private_key_path=key_path)
    sp_token = mint(
        sp, [Grant.parse("sp:DST-BIKANER")], private_key=ensure_dev_keypair(key_path),
        issuer=settings.issuer, audience=settings.audience, ttl=timedelta(hours=1),
        kid=settings.dev_kid,
    )  # fmt: skip
    out: dict[str, float] = {}
    for who, headers in (("HQ", {}), ("SP", {"Authorization": f"Bearer {sp_token}"})):
        for label, params in SEARCHES.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                r = await client.get("/api/v1/members", params=params, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                r.raise_for_status()
            out[f"search ms (median of 5), {who}: {label}"] = sorted(times)[2]
    return out


async def _copy_baseline(admin_dsn: str, files: list[Path]) -> float:
    dsn = await create_database(admin_dsn, "bench_roster_copy")
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        for path in files:
            columns = path.open(encoding="utf-8").readline().strip().split(",")
            table = f"raw_{path.stem}"
            await conn.execute(f"CREATE TABLE {table} ({', '.join(f'{c} text' for c in columns)})")
            with path.open("rb") as f:
                await conn.copy_to_table(table, source=f, format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await conn.close()
        await drop_database(admin_dsn, dsn)


async def _raw_producer(bootstrap: str, topic: str, n: int, size: int) -> float:
    producer = make_producer(bootstrap, client_id="bench-roster-raw")
    await producer.start()
    value = b"x" * size
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, key=f"m-{i}".encode(), value=value) for i in range(n)]
        await asyncio.gather(*futures)
        return n / (time.perf_counter() - started)
    finally:
        await producer.stop()


def start_service(
    dsn: str, bootstrap: str, topics: dict[str, str], key_path: Path, workdir: Path
) -> tuple[int, subprocess.Popen[bytes]]:
    """The roster service as its own process on `dsn` and `topics` (its log in `workdir`)."""
    port = _free_port()
    env = {
        **os.environ, "NAZAR_DATABASE_URL": dsn, "NAZAR_KAFKA_BOOTSTRAP": bootstrap,
        "NAZAR_HTTP_PORT": str(port), "NAZAR_ENVIRONMENT": "test", "NAZAR_LOG_LEVEL": "WARNING",
        "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(key_path),
        "NAZAR_TOPIC_UNITS": topics["units"], "NAZAR_TOPIC_MEMBERS": topics["members"],
        "NAZAR_TOPIC_CONTACTS": topics["contacts"], "NAZAR_TOPIC_GROUPS": topics["groups"],
        "NAZAR_TOPIC_REPLIES": topics["replies"],
    }  # fmt: skip
    service = subprocess.Popen(
        [sys.executable, "-m", "roster", "serve"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=(workdir / "roster.log").open("wb"),
    )  # fmt: skip
    return port, service


async def main(scale: Scale) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    files = write(workdir, scale)
    rows = files.counts["units"] + files.counts["police"] + files.counts["volunteers"]
    key_path = workdir / "dev-key.pem"
    with infra(name="bench-roster", port_base=os.environ.get("NAZAR_PORT_BASE", "37300")) as srv:
        run = uuid.uuid4().hex[:8]
        topics = await _create_topics(srv.kafka_bootstrap, run)
        dsn = await create_database(srv.pg_dsn, "bench_roster")
        port, service = start_service(dsn, srv.kafka_bootstrap, topics, key_path, workdir)
        try:
            figures = await _measure(srv.kafka_bootstrap, srv.pg_dsn, dsn, port, key_path,
                                     service.pid, files, rows, topics)  # fmt: skip
        finally:
            service.terminate()
            service.wait(30)
            await drop_database(srv.pg_dsn, dsn)
            await delete_topics(srv.kafka_bootstrap, *topics.values())
    report(f"roster-{scale.value}", figures)


async def _measure(
    bootstrap: str, admin_dsn: str, dsn: str, port: int, key_path: Path, pid: int,
    files: Any, rows: int, topics: dict[str, str],
) -> dict[str, Any]:  # fmt: skip
    settings = AuthSettings(dev_private_key_path=key_path)
    token = mint(
        "m-bench-hq", [Grant.parse("adg:PHQ")], private_key=ensure_dev_keypair(key_path),
        issuer=settings.issuer, audience=settings.audience, ttl=timedelta(hours=1),
        kid=settings.dev_kid,
    )  # fmt: skip
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=600,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:  # fmt: skip
        for _ in range(300):
            assert Path(f"/proc/{pid}").exists(), "the roster service died; see roster.log"
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
        started_wall, started = time.time(), time.perf_counter()
        await _upload(client, files.units, {"units": "true"})
        police = await _upload(client, files.police, {"kind": "police"})
        volunteers = await _upload(client, files.volunteers, {"kind": "volunteers"})
        imported = time.perf_counter() - started
        relayed = await _relayed(dsn, started_wall)
        in_all = max(seconds for seconds, _ in relayed.values())
        reimport_started = time.perf_counter()
        again = await _upload(client, files.police, {"kind": "police"})
        reimport = time.perf_counter() - reimport_started
        searches = await _searches(client, dsn, key_path)
    peak = _peak_rss_mb(pid)
    events = sum(n for _, n in relayed.values())
    copy_seconds = await _copy_baseline(admin_dsn, [files.units, files.police, files.volunteers])
    raw_rate = await _raw_producer(bootstrap, topics["replies"], events, 600)
    figures: dict[str, Any] = {
        "rows (units + police + volunteers)": rows,
        "import seconds (upload to last import done)": imported,
        "import rows/s": rows / imported,
        "police accepted": police["counts"]["accepted"],
        "volunteers accepted": volunteers["counts"]["accepted"],
        "events published": events,
    }
    for what in TOPICS:
        seconds, n = relayed[topics[what]]
        figures[f"seconds until last {what} record published ({n} records)"] = seconds
    figures |= searches
    figures |= {
        "seconds in all (first upload to last record on Kafka)": in_all,
        "service peak memory MiB (VmHWM)": peak,
        "re-import of the HR export: seconds": reimport,
        "re-import of the HR export: events": again["counts"]["events"],
        "baseline: bare COPY of the same CSVs, seconds": copy_seconds,
        "baseline: raw producer, records/s (600-byte values)": raw_rate,
        "baseline: raw producer, seconds for the same number of records": events / raw_rate,
        "load average at the end (1 min)": os.getloadavg()[0],
        "target seconds in all": 60,
        "meets target": in_all < 60,
    }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=[s.value for s in Scale], default="state")
    asyncio.run(main(Scale(parser.parse_args().scale)))
