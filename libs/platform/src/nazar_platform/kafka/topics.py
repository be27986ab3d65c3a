"""Make a Kafka cluster match the topic catalogue (deploy/topics.yaml).

Idempotent: creates missing topics, raises partition counts that are lower than declared (never
lowers one: Kafka cannot, and the key-to-partition mapping would change under consumers), and
reconciles topic configs that differ. What it cannot fix (fewer partitions declared than exist, a
different replication factor) is reported, not hidden.

    python -m nazar_platform.cli.topics bootstrap --catalogue deploy/topics.yaml \
        --bootstrap-servers 127.0.0.1:19092 [--replication-factor N] [--environment local]
    python -m nazar_platform.cli.topics wait --bootstrap-servers 127.0.0.1:19092 [--timeout 60]
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, for_code

from nazar_platform.kafka.catalogue import Catalogue, ResolvedTopic, load_catalogue

__all__ = [
    "BootstrapReport",
    "Catalogue",
    "bootstrap",
    "load_catalogue",
    "wait_for_kafka",
]

TOPIC_ALREADY_EXISTS = 36
UNKNOWN_TOPIC_OR_PARTITION = 3
# DescribeConfigs v1+ source of a value set on the topic itself (not a broker default).
DYNAMIC_TOPIC_CONFIG = 1


@dataclass
class BootstrapReport:
    created: list[str] = field(default_factory=list)
    # topic -> (existing, declared)
    partitions_increased: dict[str, tuple[int, int]] = field(default_factory=dict)
    partitions_above_declared: dict[str, tuple[int, int]] = field(default_factory=dict)
    replication_mismatch: dict[str, tuple[int, int]] = field(default_factory=dict)
    # topic -> config name -> (existing or None, declared or None when it is removed)
    configs_changed: dict[str, dict[str, tuple[str | None, str | None]]] = field(
        default_factory=dict
    )
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.partitions_increased or self.configs_changed)

    def lines(self) -> list[str]:
        out = [f"created {name}" for name in self.created]
        out += [f"partitions {t}: {a} -> {b}" for t, (a, b) in self.partitions_increased.items()]
        out += [
            f"WARNING {t} has {a} partitions, the catalogue declares {b}: never decreased"
            for t, (a, b) in self.partitions_above_declared.items()
        ]
        out += [
            f"WARNING {t} has replication factor {a}, the catalogue wants {b}: not changed"
            for t, (a, b) in self.replication_mismatch.items()
        ]
        for topic, diffs in self.configs_changed.items():
            for key, (old, new) in diffs.items():
                out.append(f"config {topic}: {key} {old!r} -> {new!r}")
        out.append(
            f"{len(self.created)} created, {len(self.partitions_increased)} repartitioned, "
            f"{len(self.configs_changed)} reconfigured, {len(self.unchanged)} unchanged"
        )
        return out


async def bootstrap(
    catalogue: Catalogue,
    bootstrap_servers: str,
    replication_factor: int | None = None,
    *,
    environment: str = "local",
    timeout_s: float = 60,
) -> BootstrapReport:
    """Create and reconcile every topic of the catalogue (DLQ twins included)."""
    topics = catalogue.resolve(environment, replication_factor)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout_s * 1000)
    )
    await admin.start()
    try:
        return await _reconcile(admin, topics, timeout_s)
    finally:
        await admin.close()


async def _reconcile(
    admin: AIOKafkaAdminClient, topics: list[ResolvedTopic], timeout_s: float
) -> BootstrapReport:
    report = BootstrapReport()
    described = await _describe(admin, [t.name for t in topics])
    missing = [t for t in topics if t.name not in described]
    existing = [t for t in topics if t.name in described]

    if missing:
        await _create(admin, missing, timeout_s)
        report.created = [t.name for t in missing]

    grow: dict[str, NewPartitions] = {}
    for topic in existing:
        partitions = described[topic.name]
        count, replicas = len(partitions), len(partitions[0]["replicas"]) if partitions else 0
        if count < topic.partitions:
            grow[topic.name] = NewPartitions(total_count=topic.partitions)
            report.partitions_increased[topic.name] = (count, topic.partitions)
        elif count > topic.partitions:
            report.partitions_above_declared[topic.name] = (count, topic.partitions)
        if replicas != topic.replication_factor:
            report.replication_mismatch[topic.name] = (replicas, topic.replication_factor)
    if grow:
        await admin.create_partitions(grow, timeout_ms=int(timeout_s * 1000))

    report.configs_changed = await _reconcile_configs(admin, existing)
    touched = set(report.partitions_increased) | set(report.configs_changed)
    report.unchanged = [t.name for t in existing if t.name not in touched]
    # A topic is usable once every partition has a leader; callers produce right after.
    await _wait_for_leaders(
        admin, {t.name: t.partitions for t in missing} | _counts(grow), timeout_s
    )
    return report


def _counts(grow: dict[str, NewPartitions]) -> dict[str, int]:
    return {name: int(spec.total_count) for name, spec in grow.items()}


async def _describe(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, list[Any]]:
    """Partitions of each topic that exists; missing topics are left out."""
    found: dict[str, list[Any]] = {}
    for entry in await admin.describe_topics(names):
        code = entry["error_code"]
        if code == 0:
            found[entry["topic"]] = sorted(entry["partitions"], key=lambda p: p["partition"])
        elif code != UNKNOWN_TOPIC_OR_PARTITION:
            raise for_code(code)(f"describing topic {entry['topic']}")
    return found


async def _create(
    admin: AIOKafkaAdminClient, topics: list[ResolvedTopic], timeout_s: float
) -> None:
    requests = [
        NewTopic(
            name=t.name,
            num_partitions=t.partitions,
            replication_factor=t.replication_factor,
            topic_configs=dict(t.config),
        )
        for t in topics
    ]
    response = await admin.create_topics(requests, timeout_ms=int(timeout_s * 1000))
    for entry in response.to_object()["topic_errors"]:
        code = entry["error_code"]
        # Another bootstrap may have created it a moment ago: that is the state we want.
        if code not in (0, TOPIC_ALREADY_EXISTS):
            message = entry.get("error_message") or ""
            raise for_code(code)(f"creating topic {entry['topic']}: {message}")


async def _reconcile_configs(
    admin: AIOKafkaAdminClient, topics: list[ResolvedTopic]
) -> dict[str, dict[str, tuple[str | None, str | None]]]:
    if not topics:
        return {}
    resources = [ConfigResource(ConfigResourceType.TOPIC, t.name) for t in topics]
    actual: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for resource in response.to_object()["resources"]:
            if resource["error_code"]:
                raise for_code(resource["error_code"])(
                    f"describing configs of {resource['resource_name']}"
                )
            actual[resource["resource_name"]] = {
                e["config_names"]: e["config_value"]
                for e in resource["config_entries"]
                if _set_on_topic(e)
            }
    changes: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    to_alter: list[ConfigResource] = []
    for topic in topics:
        current = actual.get(topic.name, {})
        diff: dict[str, tuple[str | None, str | None]] = {
            key: (current.get(key), value)
            for key, value in topic.config.items()
            if current.get(key) != value
        }
        diff |= {key: (value, None) for key, value in current.items() if key not in topic.config}
        if diff:
            changes[topic.name] = diff
            # AlterConfigs replaces the topic's whole config set: the declared set is the truth,
            # so a value set by hand and not declared is removed too.
            to_alter.append(
                ConfigResource(ConfigResourceType.TOPIC, topic.name, dict(topic.config))
            )
    if to_alter:
        for response in await admin.alter_configs(to_alter):
            for resource in response.to_object()["resources"]:
                if resource["error_code"]:
                    raise for_code(resource["error_code"])(
                        f"altering configs of {resource['resource_name']}: "
                        f"{resource.get('error_message') or ''}"
                    )
    return changes


def _set_on_topic(entry: dict[str, Any]) -> bool:
    if "config_source" in entry:
        return bool(entry["config_source"] == DYNAMIC_TOPIC_CONFIG)
    return not entry.get("is_default", True)


async def _wait_for_leaders(
    admin: AIOKafkaAdminClient, expected: dict[str, int], timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    pending = dict(expected)
    while pending:
        described = await _describe(admin, list(pending))
        for name, partitions in described.items():
            if len(partitions) >= pending[name] and all(p["leader"] >= 0 for p in partitions):
                del pending[name]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without a leader after {timeout_s}s: {sorted(pending)}")
        await asyncio.sleep(0.1)


async def wait_for_kafka(bootstrap_servers: str, timeout_s: float = 60) -> None:
    """Return once the cluster answers a metadata request (an open port is not enough)."""
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000)
        try:
            await admin.start()
            cluster = await admin.describe_cluster()
            if cluster.get("brokers"):
                return
        except (KafkaError, OSError) as error:
            last = error
        finally:
            await admin.close()
        await asyncio.sleep(0.3)
    raise TimeoutError(f"Kafka at {bootstrap_servers} not ready after {timeout_s}s: {last!r}")
