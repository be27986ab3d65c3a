"""A publisher under test: its own topics and database, the two fakes, the service process."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from nazar_contracts.ids import delivery_id
from nazar_contracts.registry import parse_json
from nazar_platform.auth.tokens import Grant, ensure_dev_keypair, mint
from nazar_platform.kafka.clients import make_producer
from nazar_platform.kafka.cloudevents import CloudEvent, decode, encode

from tests.conftest import DatabaseFactory, TopicFactory
from tests.integration.platform.support import read_topic

ROOT = Path(__file__).resolve().parents[3]
LOG_DIR = ROOT / ".state" / "test-logs"
TOKEN, APP_SECRET, VERIFY, SMS_KEY, SMS_SECRET = (
    "test-token", "test-app-secret", "test-verify", "test-sms-key", "test-sms-secret",
)  # fmt: skip
PHONE_IDS = ["100000000000001", "100000000000002"]
_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_number() -> str:
    return f"9199{os.getpid() % 1000:03d}{next(_numbers):05d}"


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], within: float = 60.0, every: float = 0.2
) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(every)


def _spawn(name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = (LOG_DIR / f"{name}.log").open("ab")
    return subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip


def kill(proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=60)


@dataclass
class Stack:
    bootstrap: str
    dsn: str
    topics: dict[str, str]
    settings: dict[str, str]
    wa_port: int = field(default_factory=free_port)
    sms_port: int = field(default_factory=free_port)
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # The environment the publisher was last started with (another instance copies it).
    env: dict[str, str] = field(default_factory=dict)
    http: aiohttp.ClientSession | None = None
    key_path: Path = field(
        default_factory=lambda: LOG_DIR / "keys" / f"publisher-{uuid.uuid4().hex[:8]}.pem"
    )

    def bearer(self, grant: str = "adg:PHQ") -> dict[str, str]:
        """A dev token the publisher accepts (ADG at PHQ may read channels)."""
        token = mint(
            "M-TEST-ADG",
            [Grant.parse(grant)],
            private_key=ensure_dev_keypair(self.key_path),
            issuer="nazar-dev",
            audience="nazar",
            ttl=timedelta(hours=1),
            kid="nazar-dev",
        )
        return {"Authorization": f"Bearer {token}"}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def wa(self) -> str:
        return f"http://127.0.0.1:{self.wa_port}"

    @property
    def sms(self) -> str:
        return f"http://127.0.0.1:{self.sms_port}"

    # --- processes ------------------------------------------------------------------------------

    def start_fakes(self, wa_config: dict[str, Any] | None = None) -> None:
        py = sys.executable
        self.procs["fake-whatsapp"] = _spawn("fake-whatsapp", [
            py, "-m", "nazar_fakes", "whatsapp", "--port", str(self.wa_port),
            "--webhook-url", f"{self.url}/webhooks/whatsapp", "--app-secret", APP_SECRET,
            "--token", TOKEN, "--phone-number-ids", ",".join(PHONE_IDS),
            "--config", json.dumps(wa_config or {}),
        ], {})  # fmt: skip
        self.procs["fake-sms"] = _spawn("fake-sms", [
            py, "-m", "nazar_fakes", "sms", "--port", str(self.sms_port),
            "--webhook-url", f"{self.url}/webhooks/sms", "--app-secret", SMS_SECRET,
            "--token", SMS_KEY,
        ], {})  # fmt: skip

    def publisher_env(self) -> dict[str, str]:
        return {
            "NAZAR_DATABASE_URL": self.dsn,
            "NAZAR_KAFKA_BOOTSTRAP": self.bootstrap,
            "NAZAR_HTTP_PORT": str(self.port),
            "NAZAR_METRICS_PORT": str(self.metrics_port),
            "NAZAR_TOPIC_DELIVERIES": self.topics["routine"],
            "NAZAR_TOPIC_DELIVERIES_FLASH": self.topics["flash"],
            "NAZAR_TOPIC_RECEIPTS": self.topics["receipts"],
            "NAZAR_TOPIC_REPLIES": self.topics["replies"],
            "NAZAR_TOPIC_CONTACTS": self.topics["contacts"],
            "NAZAR_TOPIC_AUTH_CODES": self.topics["codes"],
            "NAZAR_CONSUMER_GROUP": f"publisher-{uuid.uuid4().hex[:8]}",
            "NAZAR_WHATSAPP_BASE_URL": self.wa,
            "NAZAR_WHATSAPP_PHONE_NUMBER_IDS": json.dumps(PHONE_IDS),
            "NAZAR_WHATSAPP_TOKEN": TOKEN,
            "NAZAR_WHATSAPP_APP_SECRET": APP_SECRET,
            "NAZAR_WHATSAPP_VERIFY_TOKEN": VERIFY,
            "NAZAR_SMS_BASE_URL": self.sms,
            "NAZAR_SMS_API_KEY": SMS_KEY,
            "NAZAR_SMS_WEBHOOK_SECRET": SMS_SECRET,
            "NAZAR_ALLOW_SYNTHETIC": "true",
            "NAZAR_ENVIRONMENT": "test",
            "NAZAR_OUTBOX_POLL_INTERVAL": "PT0.05S",
            "NAZAR_CONSUMER_SESSION_TIMEOUT_MS": "6000",
            "NAZAR_RETRY_BASE": "PT0.3S",
            "NAZAR_RETRY_MAX_ATTEMPTS": "3",
            "NAZAR_BACK_OFF_BASE": "PT1S",
            "NAZAR_RECIPIENT_HOLD": "PT2S",
            "NAZAR_ANSWER_WAIT": "PT8S",
            "NAZAR_SWEEP_INTERVAL": "PT0.5S",
            "NAZAR_RETRY_POLL_INTERVAL": "PT0.1S",
            "NAZAR_OUTAGE_PROBE_MAX": "PT1S",
            "NAZAR_TOKEN_PROBE_INTERVAL": "PT1S",
            "NAZAR_LOG_LEVEL": "INFO",
            "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(self.key_path),
            **self.settings,
        }

    async def start_publisher(self, faults: str = "") -> None:
        env = self.publisher_env()
        if faults:
            env["NAZAR_FAULTS"] = faults
        self.env = env
        self.procs["publisher"] = _spawn(
            "publisher", [sys.executable, "-m", "social_publisher", "serve"], env
        )
        await self.wait_ready()

    async def start_instance(self, name: str, port: int, metrics_port: int) -> None:
        """Another publisher process beside the first: the same database, topics and consumer
        group (the first one's environment), its own ports."""
        env = {**self.env, "NAZAR_HTTP_PORT": str(port), "NAZAR_METRICS_PORT": str(metrics_port)}
        self.procs[name] = _spawn(name, [sys.executable, "-m", "social_publisher", "serve"], env)

        async def up() -> bool:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {self.procs[name].returncode}")
            try:
                async with self.client.get(f"http://127.0.0.1:{port}/readyz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        await wait_for(up, 60)

    async def wait_ready(self, within: float = 60) -> None:
        async def up() -> bool:
            proc = self.procs["publisher"]
            if proc.poll() is not None:
                raise RuntimeError(f"publisher exited with {proc.returncode}; see {LOG_DIR}")
            try:
                async with self.client.get(f"{self.url}/readyz") as r:
                    return r.status == 200
            except aiohttp.ClientError:
                return False

        async def fakes_up() -> bool:
            try:
                for base in (self.wa, self.sms):
                    async with self.client.get(f"{base}/healthz") as r:
                        if r.status != 200:
                            return False
                return True
            except aiohttp.ClientError:
                return False

        await wait_for(fakes_up, within)
        await wait_for(up, within)

    def stop(self) -> None:
        for proc in self.procs.values():
            kill(proc, signal.SIGTERM if proc.poll() is None else signal.SIGKILL)

    @property
    def client(self) -> aiohttp.ClientSession:
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.http

    # --- the fakes --------------------------------------------------------------------------------

    async def fake(self, which: str, path: str, body: Any = None) -> Any:
        base = self.wa if which == "whatsapp" else self.sms
        if body is None:
            async with self.client.get(f"{base}/_fake/{path}") as r:
                return await r.json()
        async with self.client.post(f"{base}/_fake/{path}", json=body) as r:
            return await r.json()

    async def configure(self, which: str = "whatsapp", **config: Any) -> None:
        await self.fake(which, "config", config)

    async def sent(self, which: str = "whatsapp") -> list[dict[str, Any]]:
        return list((await self.fake(which, "messages"))["messages"])

    async def sent_for(
        self, delivery_ids: set[str], which: str = "whatsapp"
    ) -> list[dict[str, Any]]:
        key = "callback" if which == "whatsapp" else "ref"
        return [m for m in await self.sent(which) if m.get(key) in delivery_ids]

    async def channels(self) -> dict[str, Any]:
        async with self.client.get(f"{self.url}/api/v1/channels", headers=self.bearer()) as r:
            assert r.status == 200, await r.text()
            return dict(await r.json())

    async def metric(self, name: str, *, port: int | None = None, **labels: str) -> float:
        # The internal metrics listener: /metrics is not on the public port.
        url = f"http://127.0.0.1:{port or self.metrics_port}/metrics"
        async with self.client.get(url) as r:
            assert r.status == 200, await r.text()
            text = await r.text()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
                head = line.split(" ")[0]
                if head == name or head.startswith(name + "{"):
                    total += float(line.rsplit(" ", 1)[1])
        return total

    # --- Kafka and the database -------------------------------------------------------------------

    async def produce(self, topic: str, events: Sequence[tuple[str, CloudEvent | None]]) -> None:
        producer = make_producer(self.bootstrap)
        await producer.start()
        try:
            futures = []
            for key, event in events:
                value, headers = (None, []) if event is None else encode(event)
                futures.append(
                    await producer.send(topic, value=value, key=key.encode(), headers=headers)
                )
            await asyncio.gather(*futures)
        finally:
            await producer.stop()

    async def add_contacts(self, contacts: list[dict[str, Any]]) -> None:
        now = datetime.now(UTC).isoformat()
        events = []
        for c in contacts:
            data = {"whatsapp": None, "sms": None, "preferred_language": "hi", "active": True,
                    "consent_state": "not_required", "synthetic": True, "version": 1,
                    "updated_at": now, **c}  # fmt: skip
            # As the roster publishes them: E.164 numbers, and messaging allowed only when the
            # member is active and consent permits it.
            for channel in ("whatsapp", "sms"):
                if data[channel]:
                    data[channel] = "+" + str(data[channel]).lstrip("+")
            data.setdefault(
                "messaging_allowed",
                bool(data["active"]) and data["consent_state"] in ("granted", "not_required"),
            )
            event = CloudEvent(type="nazar.contact.upserted.v1", source="/nazar/roster", data=data)
            events.append((c["member_id"], event))
        await self.produce(self.topics["contacts"], events)
        wanted = {c["member_id"]: c.get("version", 1) for c in contacts}

        async def applied() -> bool:
            rows = await self.query(
                "SELECT member_id, version FROM contacts WHERE member_id = ANY($1::text[])",
                list(wanted),
            )
            return sum(1 for r in rows if r["version"] >= wanted[r["member_id"]]) == len(wanted)

        await wait_for(applied, 60)

    async def erase_contact(self, member_id: str) -> None:
        await self.produce(self.topics["contacts"], [(member_id, None)])

        async def gone() -> bool:
            return not await self.query("SELECT 1 FROM contacts WHERE member_id = $1", member_id)

        await wait_for(gone, 30)

    async def deliver(self, requests: list[dict[str, Any]], *, flash: bool = False) -> None:
        events = [
            (
                r["member_id"],
                CloudEvent(type="nazar.dispatch.requested.v1", source="/nazar/directive", data=r),
            )
            for r in requests
        ]
        await self.produce(self.topics["flash" if flash else "routine"], events)

    async def receipts(self, delivery_ids: set[str] | None = None) -> list[dict[str, Any]]:
        return await self._events("receipts", "delivery_id", delivery_ids)

    async def replies(self, member_ids: set[str] | None = None) -> list[dict[str, Any]]:
        return await self._events("replies", "member_id", member_ids)

    async def _events(self, topic: str, key: str, ids: set[str] | None) -> list[dict[str, Any]]:
        out = []
        for raw in await read_topic(self.bootstrap, self.topics[topic]):
            event = decode(raw.value, raw.headers)
            # Every payload honours the shared contract (strictly, as consumers parse it).
            parse_json(event.type, raw.value or b"")
            if ids is None or event.data.get(key) in ids:
                out.append({"type": event.type.split(".")[2], "id": event.id, **event.data})
        return out

    async def query(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()


def request(member_id: str, **extra: Any) -> dict[str, Any]:
    message_id = extra.pop("message_id", f"msg-{uuid.uuid4().hex}")
    return {
        "delivery_id": delivery_id(message_id, member_id),
        "message_id": message_id, "member_id": member_id, "priority": "routine",
        "purpose": "directive", "language": "hi",
        "title": "सोशल मीडिया के जरिए बदमाशों पर कड़ी नजर रखेगी पुलिस",
        "body": "गृह विभाग ने दिए निर्देश।\n\nगांव-ढाणी से लेकर पुलिस मुख्यालय तक\tव्हाट्सएप का उपयोग",
        "ack_requested": True, "reply_code": f"{abs(hash(member_id)) % 9000 + 1000}",
        "inbox_url": f"https://nazar.example/inbox/{member_id}",
        "expires_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat(),
        "requested_at": datetime.now(UTC).isoformat(), **extra,
    }  # fmt: skip


async def make_stack(
    bootstrap: str, databases: DatabaseFactory, topics: TopicFactory, **settings: str
) -> Stack:
    names = {}
    for role, partitions in (("routine", 6), ("flash", 3), ("receipts", 6), ("replies", 3),
                             ("contacts", 3), ("codes", 3)):  # fmt: skip
        names[role] = await topics(f"pub-{role}", partitions=partitions)
    dsn = await databases.create("publisher")
    return Stack(bootstrap=bootstrap, dsn=dsn, topics=names, settings=settings)
