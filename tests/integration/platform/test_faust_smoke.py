"""faust-streaming runs against our Kafka: an agent consumes and produces on the real broker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from aiokafka import AIOKafkaProducer

from tests.conftest import TopicFactory
from tests.integration.platform.support import LOG_DIR, ROOT, kill, read_topic, wait_for


async def test_faust_agent_consumes_and_produces(
    kafka_bootstrap: str, new_topic: TopicFactory
) -> None:
    source = await new_topic("faust-in")
    sink = await new_topic("faust-out")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NAZAR_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "SMOKE_IN": source,
        "SMOKE_OUT": sink,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.platform.faust_smoke_app",
            "worker",
            "-l",
            "warn",
            "--without-web",
        ],
        cwd=ROOT,
        env=env,
        stdout=(LOG_DIR / "faust.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        words = ["नज़र", "police", "thana", "circle", "सुरक्षा"]
        for w in words:
            await producer.send_and_wait(source, w.encode())
        await producer.stop()

        async def arrived() -> bool:
            return len(await read_topic(kafka_bootstrap, sink)) >= len(words)

        await wait_for(arrived, within=90, every=1)
        got = sorted(r.value.decode() for r in await read_topic(kafka_bootstrap, sink) if r.value)
        assert got == sorted(w.upper() for w in words)
        assert worker.poll() is None, "the Faust worker died"
    finally:
        kill(worker)
        await asyncio.sleep(0)
