"""Helpers for the directive service's integration tests: private topics, settings, the roster
published as contract events, and reading what the service put on Kafka."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from directive.settings import DirectiveSettings
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.registry import parse_json, spec_for_model
from nazar_platform.kafka.cloudevents import format_time, headers_for
from nazar_platform.kafka.dlq import RawRecord
from pydantic import BaseModel, SecretStr

from tests.conftest import TopicFactory
from tests.integration.directive.roster import Roster
from tests.integration.platform.support import LOG_DIR, read_topic

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Topics:
    events: str
    deliveries: str
    flash: str
    receipts: str
    replies: str
    units: str
    members: str
    groups: str

    @property
    def roster(self) -> dict[type, str]:
        from nazar_contracts.groups import GroupUpserted
        from nazar_contracts.members import MemberUpserted
        from nazar_contracts.units import UnitUpserted, UnitUpsertedV2

        return {
            UnitUpserted: self.units,
            UnitUpsertedV2: self.units,
            MemberUpserted: self.members,
            GroupUpserted: self.groups,
        }


async def make_topics(factory: TopicFactory) -> Topics:
    return Topics(
        events=await factory("directive-events", partitions=3),
        deliveries=await factory("deliveries", partitions=6),
        flash=await factory("deliveries-flash", partitions=3),
        receipts=await factory("receipts", partitions=6),
        replies=await factory("replies", partitions=3),
        units=await factory("units", partitions=2),
        members=await factory("members", partitions=3),
        groups=await factory("groups", partitions=2),
    )


def settings_for(
    dsn: str, bootstrap: str, topics: Topics, tmp: Path, **overrides: Any
) -> DirectiveSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "database_url": SecretStr(dsn),
        "topic_events": topics.events,
        "topic_deliveries": topics.deliveries,
        "topic_deliveries_flash": topics.flash,
        "topic_receipts": topics.receipts,
        "topic_replies": topics.replies,
        "topic_units": topics.units,
        "topic_members": topics.members,
        "topic_groups": topics.groups,
        "consumer_group_prefix": f"test-directive-{uuid.uuid4().hex[:8]}",
        "faust_datadir": tmp / "faust",
        "attachment_dir": tmp / "attachments",
        "public_base_url": "https://inbox.nazar.example/directive",
        "inbox_link_key": SecretStr("integration-test-inbox-link-key-0123456789"),
        "outbox_poll_interval": "PT0.05S",
        "fanout_batch_size": 50,
        "consumer_session_timeout_ms": 6000,
        "log_json": False,
    }
    values.update(overrides)
    return DirectiveSettings(**values)


def settings_env(settings: DirectiveSettings) -> dict[str, str]:
    """The same settings as environment variables, for a service started as a process."""
    return {
        f"NAZAR_{name.upper()}": _env_text(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }


def _env_text(value: Any) -> str:
    if isinstance(value, list | tuple):  # pydantic-settings reads a list as JSON
        return json.dumps([_env_text(v) for v in value])
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if hasattr(value, "total_seconds"):
        return f"PT{value.total_seconds()}S"
    return str(value)


async def produce(
    bootstrap: str, items: Sequence[tuple[str, BaseModel]], source: str = "/nazar/roster"
) -> None:
    """Contract events as their producer would write them (CloudEvents binary mode)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        now = format_time(datetime.now(UTC))
        for topic, data in items:
            spec = spec_for_model(type(data))
            await producer.send(
                topic,
                key=spec.key(data).encode(),
                value=data.model_dump_json().encode(),
                headers=headers_for(str(uuid.uuid4()), spec.type, source, now),
            )
        await producer.flush()
    finally:
        await producer.stop()


async def publish_roster(bootstrap: str, topics: Topics, roster: Roster) -> None:
    routes = topics.roster
    items: list[tuple[str, BaseModel]] = [
        (routes[type(x)], x) for x in [*roster.units, *roster.members, *roster.groups]
    ]
    await produce(bootstrap, items)


@dataclass(frozen=True)
class Sent:
    record: RawRecord
    data: DispatchRequested


async def requested(bootstrap: str, *topics: str) -> list[Sent]:
    """Every dispatch.requested on the topics, each checked against the contract."""
    out = []
    for topic in topics:
        for r in await read_topic(bootstrap, topic):
            assert r.value is not None
            data = parse_json("nazar.dispatch.requested.v1", r.value)
            assert isinstance(data, DispatchRequested)
            assert r.key == data.member_id.encode()  # keyed by member: one person's order
            out.append(Sent(r, data))
    return out


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "directive", "worker"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=(LOG_DIR / "directive-worker.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
