"""A minimal Faust app for the smoke test: one agent that upper-cases records from IN to OUT.

Configured as Nazar's Faust apps will be: no topic declaration (topics come from the catalogue),
no leader topic, acks from all replicas, no web server.
"""

from __future__ import annotations

import os

import faust

app = faust.App(
    "nazar-faust-smoke",
    broker=f"kafka://{os.environ['NAZAR_KAFKA_BOOTSTRAP']}",
    topic_allow_declare=False,
    topic_disable_leader=True,
    store="memory://",
    web_enabled=False,
    datadir=os.environ.get("SMOKE_DATADIR", ".state/faust-smoke"),
    producer_acks=-1,
    consumer_auto_offset_reset="earliest",
)
source = app.topic(os.environ["SMOKE_IN"], value_serializer="raw", key_serializer="raw")
sink = app.topic(os.environ["SMOKE_OUT"], value_serializer="raw", key_serializer="raw")


@app.agent(source)
async def upper(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        await sink.send(value=value.upper())


if __name__ == "__main__":
    app.main()
