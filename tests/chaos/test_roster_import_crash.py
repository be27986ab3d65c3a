"""A service killed in the middle of an import (after its first chunk committed) says so: the
import is `interrupted` with exactly what it applied, never `failed` with rows applied, and
uploading the file again completes it."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from nazar_rostergen.__main__ import seed
from nazar_rostergen.build import Scale

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.support import LOG_DIR, ROOT, wait_for
from tests.integration.roster.support import (
    Running,
    hq_token,
    make_topics,
    running_roster,
    settings_for,
    upload,
)

ROWS = 30_000  # two chunks


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def faulty_service() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.slow
async def test_an_import_killed_half_way_is_interrupted_with_what_it_applied(
    databases: DatabaseFactory,
    kafka_bootstrap: str,
    tmp_path: Path,
    faulty_service: list[subprocess.Popen[bytes]],
) -> None:
    database = await databases.create("roster_crash")
    factory = TopicFactory(kafka_bootstrap)
    topics = await make_topics(factory)
    settings = settings_for(database, kafka_bootstrap, topics)
    try:
        assert await seed(settings, Scale.DEMO) == 0
        conn = await asyncpg.connect(database)
        try:
            station = await conn.fetchval(
                "SELECT unit_id FROM units WHERE kind = 'police_station' ORDER BY 1 LIMIT 1"
            )
        finally:
            await conn.close()
        path = tmp_path / "hr.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["personnel_no", "name_hi", "rank", "unit"])
            w.writerows([f"RJPK{n:06d}", "राम कुमार", "constable", station] for n in range(ROWS))

        port = _port()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ, "NAZAR_DATABASE_URL": database, "NAZAR_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "NAZAR_HTTP_PORT": str(port), "NAZAR_ENVIRONMENT": "test",
            "NAZAR_TOPIC_UNITS": topics.units, "NAZAR_TOPIC_MEMBERS": topics.members,
            "NAZAR_TOPIC_CONTACTS": topics.contacts, "NAZAR_TOPIC_GROUPS": topics.groups,
            "NAZAR_TOPIC_REPLIES": topics.replies,
            "NAZAR_OPT_OUT_CONSUMER_GROUP": f"roster-opt-outs-{topics.replies}",
            "NAZAR_FAULTS": "roster.import.after_chunk=1",  # dies once a chunk has committed
        }  # fmt: skip
        service = subprocess.Popen(
            [sys.executable, "-m", "roster", "serve"], cwd=ROOT, env=env,
            stdout=(LOG_DIR / "roster-crash.log").open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        faulty_service.append(service)
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {hq_token()}", "Content-Type": "text/csv"}
        async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as c:

            async def ready() -> bool:
                try:
                    return (await c.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, within=60)
            r = await c.post("/api/v1/imports", params={"kind": "police"},
                             content=path.read_bytes())  # fmt: skip
            assert r.status_code == 202, r.text
            import_id = r.json()["import_id"]

        async def died() -> bool:
            return service.poll() is not None

        await wait_for(died, within=120)

        # The service starts again (no fault this time) and says what happened.
        async with running_roster(database, kafka_bootstrap, topics) as running:
            report = await _report(running, import_id)
            conn = await asyncpg.connect(database)
            try:
                applied = await conn.fetchval(
                    "SELECT count(*) FROM members WHERE personnel_no LIKE 'RJPK%'"
                )
            finally:
                await conn.close()
            assert report["status"] == "interrupted", report
            assert 0 < applied <= ROWS
            assert report["counts"]["applied"] == report["counts"]["created"] == applied
            again = await upload(running, hq_token(), path, kind="police")
            assert again["counts"]["accepted"] == ROWS
            assert again["counts"]["created"] == ROWS - applied
    finally:
        await factory.delete_all()
        await databases.drop(database)


async def _report(running: Running, import_id: str) -> dict[str, Any]:
    async with running.client(hq_token()) as c:
        r = await c.get(f"/api/v1/imports/{import_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body
