"""`python -m directive worker` (no HTTP) still serves `/metrics`, on its internal metrics listener,
and stops it on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import tempfile
from pathlib import Path

import httpx

from tests.conftest import TopicFactory
from tests.integration.directive.support import (
    make_topics,
    settings_env,
    settings_for,
    sigkill,
    start_worker,
)
from tests.integration.platform.support import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_the_worker_serves_metrics_on_its_listener(
    kafka_bootstrap: str, fresh_database: str, new_topic: TopicFactory
) -> None:
    topics = await make_topics(new_topic)
    tmp = Path(tempfile.mkdtemp(prefix="directive-worker-metrics-"))
    port = free_port()
    settings = settings_for(fresh_database, kafka_bootstrap, topics, tmp, metrics_port=port)
    proc = start_worker(settings_env(settings))
    try:
        async with httpx.AsyncClient(timeout=5) as http:

            async def scraped() -> bool:
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/metrics")
                except httpx.TransportError:
                    return proc.poll() is not None  # stop waiting if it died
                return response.status_code == 200 and "nazar_outbox" in response.text

            await wait_for(scraped, within=60)
            assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 60) == 0
    finally:
        sigkill(proc)
