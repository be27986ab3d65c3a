"""A social-publisher with the three fake networks, as `deploy/stack up` starts them, on a
Kafka and PostgreSQL of the caller's (the test session's or the benchmark's), with its own
database, its own publish topics and its own consumer group; and a small HTTP server standing in
for story-intake's signed creative URLs. Used by the SIGKILL test and bench/social.

The commands and environments are the stack's own (`stackctl.services.argv_of` / `env_of`), so
that what is proven is what `up` runs; only the database, the topics, the consumer group and
test-sized waits differ. Ports are `ports.base` + the stack's offsets: pass a base no other
stack on the machine uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from nazar_contracts import event_types
from nazar_contracts.publish import Overflow, PublishMedia, PublishRequested
from nazar_contracts.registry import spec_for_model
from nazar_contracts.stories import PublicChannel
from nazar_platform.kafka.cloudevents import format_time, headers_for
from PIL import Image

from bench.social.fakes import NETWORKS, ROOT, Ports, State, services

PUBLISHER = "social-publisher"


def creative_jpeg(n: int, width: int = 1080, height: int = 1350) -> bytes:
    """A 4:5 JPEG, its own colour per `n` (so every request has its own image)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (n * 37 % 256, 90, 160)).save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Creatives:
    """Serves creatives by sha256 over HTTP, as story-intake's signed media URLs do."""

    files: dict[str, bytes] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/media/{sha}", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _serve(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["sha"])
        if content is None:
            raise web.HTTPNotFound
        return web.Response(body=content, content_type="image/jpeg")

    def add(self, content: bytes) -> PublishMedia:
        sha = hashlib.sha256(content).hexdigest()
        self.files[sha] = content
        return PublishMedia(
            sha256=sha,
            size=len(content),
            media_type="image/jpeg",
            url=f"http://127.0.0.1:{self.port}/media/{sha}?token=t",
            url_expires_at=datetime.now(UTC) + timedelta(hours=6),
            alt_text="नीले रंग का पोस्टर",
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def request(n: int, network: str, tag: str, media: Sequence[PublishMedia] = ()) -> PublishRequested:
    """Request `n` of a run: its own text (the fakes refuse a duplicate text, and the proofs find
    a request's post by it), Hindi with an emoji, under every network's limit."""
    return PublishRequested(
        post_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"nazar-proof/{tag}/{network}/{n}")),
        story_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"nazar-proof/{tag}/{n}")),
        channel=PublicChannel(network),
        version=1,
        text=f"राजस्थान पुलिस: साइबर ठगी से सावधान रहें, सूचना क्रमांक {n} ({tag}) 🙏",
        media=list(media),
        approved_by="M-PROOF-APPROVER",
        requested_at=datetime.now(UTC),
        overflow=Overflow.REFUSE,
    )


async def produce(bootstrap: str, topic: str, items: Sequence[PublishRequested]) -> None:
    """As story-intake's outbox writes them: CloudEvents binary mode, keyed by post id."""
    spec = spec_for_model(PublishRequested)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        now = format_time(datetime.now(UTC))
        for item in items:
            await producer.send(
                topic,
                key=spec.key(item).encode(),
                value=item.model_dump_json().encode(),
                headers=headers_for(str(uuid.uuid4()), spec.type, "/nazar/story-intake", now),
            )
        await producer.flush()
    finally:
        await producer.stop()


@dataclass(frozen=True)
class Result:
    post_id: str
    ce_type: str
    ce_id: str


async def results(bootstrap: str, topic: str) -> list[Result]:
    """Every record on the results topic: (post id, event type, CloudEvent id)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[Result] = []
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                for r in (await consumer.getmany(tp, timeout_ms=2000)).get(tp, []):
                    headers = {k: v.decode() for k, v in r.headers}
                    found.append(
                        Result((r.key or b"").decode(), headers["ce_type"], headers["ce_id"])
                    )
    finally:
        await consumer.stop()
    return found


def posted_once(found: Sequence[Result]) -> Counter[str]:
    """Per post id, how many distinct PublishPosted events (a republished record keeps its
    ce_id, and consumers drop it by that id: it is not a second event)."""
    distinct = {(r.post_id, r.ce_id) for r in found if r.ce_type == event_types.PUBLISH_POSTED}
    return Counter(post for post, _ in distinct)


class ExitedError(RuntimeError):
    """A process of the stack ended while it was awaited."""


@dataclass
class SocialStack:
    ports: Ports
    state: State
    stack_env: Mapping[str, str]  # NAZAR_KAFKA_BOOTSTRAP, NAZAR_PG_DSN, the dev key path
    database_url: str
    requests_topic: str
    results_topic: str
    overrides: Mapping[str, str] = field(default_factory=dict)  # the publisher's, test-sized
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: int = 0
    group: str = field(default_factory=lambda: f"social-proof-{uuid.uuid4().hex[:8]}")

    def _service(self, name: str) -> services.Service:
        return next(s for s in services.SERVICES if s.name == name)

    def _start(self, name: str, extra: Mapping[str, str]) -> None:
        service = self._service(name)
        self.state.logs.mkdir(parents=True, exist_ok=True)
        env = {**services.env_of(service, self.ports, self.state, self.stack_env), **extra}
        with (self.state.logs / f"{name}.log").open("ab") as log:
            log.write(f"\n==== start at {time.strftime('%X')} ====\n".encode())
            log.flush()
            self.procs[name] = subprocess.Popen(
                services.argv_of(service, self.ports, self.state), env=env, cwd=ROOT,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def start_fakes(self) -> None:
        for fake in NETWORKS.values():
            self._start(fake.service, {})

    def start_publisher(self, extra: Mapping[str, str] | None = None) -> None:
        self._start(
            PUBLISHER,
            {
                "NAZAR_DATABASE_URL": self.database_url,
                "NAZAR_TOPIC_PUBLISH_REQUESTS": self.requests_topic,
                "NAZAR_TOPIC_PUBLISH_RESULTS": self.results_topic,
                "NAZAR_CONSUMER_GROUP": self.group,
                # No proxy here: the fake Instagram fetches the media at the publisher's own port.
                "NAZAR_PUBLIC_BASE_URL": self._service(PUBLISHER).url(self.ports),
                "NAZAR_ENVIRONMENT": "test",
                "PYTHONUNBUFFERED": "1",
                **self.overrides,
                **(extra or {}),
            },
        )

    def publisher_exited(self) -> bool:
        return self.procs[PUBLISHER].poll() is not None

    def kill_publisher(self) -> None:
        """SIGKILL, no goodbye: its process group, then reap it."""
        proc = self.procs[PUBLISHER]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.kills += 1

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    async def ready(self, http: httpx.AsyncClient, within: float = 90) -> None:
        deadline = time.monotonic() + within
        for name, proc in self.procs.items():
            service = self._service(name)
            url = service.url(self.ports, service.health_path)
            while True:
                if proc.poll() is not None:
                    raise ExitedError(f"{name} exited; see {self.state.logs / name}.log")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(url, timeout=2)).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready in {within:.0f}s")
                await asyncio.sleep(0.3)

    def stop(self) -> None:
        for proc in reversed(self.procs.values()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
