"""The benchmark's two instruments: an open-loop load of alerts through story-intake's API (a
fixed rate, whatever the answers take), and a tail of the flash delivery topic that notes when
each alert's `dispatch.requested` reached Kafka (the record's timestamp, the directive's clock:
one machine) for each member."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from nazar_contracts import topics
from nazar_contracts.dispatch import OriginKind

from tests.e2e.alerts import alert_body

KINDS = ("suspicious", "wanted_person", "liquor_narcotics", "illegal_mining", "road_accident")


@dataclass(frozen=True)
class Raiser:
    member_id: str
    station: str
    token: str


@dataclass(frozen=True)
class Sent:
    alert_id: str
    station: str
    at: float  # Unix time just before the request went out


@dataclass
class Load:
    sent: list[Sent] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    started: float = 0.0
    ended: float = 0.0


async def raise_one(
    http: aiohttp.ClientSession, url: str, raiser: Raiser, tag: str, n: int, at: float = 0.0
) -> tuple[Sent | None, str]:
    """One alert; `at` is when it was due (an open loop counts from then, not from when the
    client got round to it), now if not given."""
    at = at or time.time()
    try:
        async with http.post(
            url,
            data=json.dumps(alert_body(f"{tag}-{n}", kind=KINDS[n % len(KINDS)])),
            headers={
                "Authorization": f"Bearer {raiser.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
                "Accept-Language": "hi",
            },
        ) as r:
            body = await r.read()
            if r.status != 201:
                code = json.loads(body).get("code", "") if body else ""
                return None, f"{r.status} {code}"
            return Sent(str(json.loads(body)["id"]), raiser.station, at), ""
    except (aiohttp.ClientError, TimeoutError) as error:
        return None, type(error).__name__


def client(connections: int = 64) -> aiohttp.ClientSession:
    """The phones' side, kept cheap so the machine's CPU goes to the system under test: aiohttp
    on a bounded pool of keep-alive connections (httpx's pool rescans every queued request on
    each answer, which at a thousand in flight cost the bench most of a core)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=600),
    )


async def run_load(url: str, raisers: list[Raiser], rate: float, seconds: float) -> Load:
    """`rate` alerts a second for `seconds`, each raiser in turn (each raiser well under the
    per-member rate limit), each alert at its own place (none clusters with another). Each
    alert's time is when it was due, so a client or server that falls behind shows in the
    figures rather than hiding them."""
    load = Load(started=time.time())
    tag = uuid.uuid4().hex[:6]
    total = int(rate * seconds)
    in_flight: set[asyncio.Task[None]] = set()

    async def one(http: aiohttp.ClientSession, n: int, due: float) -> None:
        sent, why = await raise_one(http, url, raisers[n % len(raisers)], tag, n, due)
        if sent is None:
            load.refused[why] += 1
        else:
            load.sent.append(sent)

    async with client() as http:
        start, wall = time.monotonic(), time.time()
        for n in range(total):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(http, n, wall + n / rate))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        await asyncio.gather(*in_flight)
    load.ended = time.time()
    return load


@dataclass
class Requested:
    """From the topics' tails: (alert id, member id) → (when its `dispatch.requested` was on
    Kafka, delivery id); alert id → when its `AlertRaised` was (story-intake's half of the way)."""

    seen: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    raised: dict[str, float] = field(default_factory=dict)

    def note(self, topic: str, timestamp_ms: int, value: bytes | None) -> None:
        data = json.loads(value or b"null") or {}
        if topic == topics.ALERT_EVENTS:
            self.raised.setdefault(str(data.get("alert_id")), timestamp_ms / 1000)
            return
        origin = data.get("origin") or {}
        if origin.get("kind") == OriginKind.ALERT:
            key = (str(origin["id"]), str(data["member_id"]))
            self.seen.setdefault(key, (timestamp_ms / 1000, str(data["delivery_id"])))


async def tail(bootstrap: str, into: Requested, stop: asyncio.Event) -> None:
    """The flash delivery topic and alert.events.v1, from their ends."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(topic, p)
            for topic in (topics.DISPATCH_DELIVERIES_FLASH, topics.ALERT_EVENTS)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        while not stop.is_set():
            for tp, records in (await consumer.getmany(timeout_ms=200, max_records=5000)).items():
                for r in records:
                    into.note(tp.topic, r.timestamp, r.value)
    finally:
        await consumer.stop()


async def growth(bootstrap: str, topic: str, stop: asyncio.Event) -> tuple[float, float, int]:
    """While `stop` is unset: when the topic first and last grew (Unix time) and by how much;
    the state-wide directive's fan-out writes it (routine and urgent deliveries)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    first = last = 0.0
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        begin = sum((await consumer.end_offsets(tps)).values())
        now = begin
        while not stop.is_set():
            ends = sum((await consumer.end_offsets(tps)).values())
            if ends > now:
                first, last, now = first or time.time(), time.time(), ends
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.25)
        return first, last, now - begin
    finally:
        await consumer.stop()


def percentile(values: list[float], q: float) -> float:
    """Nearest rank (the smallest value with at least q of the samples at or below it)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
