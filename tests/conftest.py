"""Session-wide test infrastructure, started lazily.

Kafka and PostgreSQL are started (`deploy/stack infra-up --name test`) the first time a test asks
for one of the fixtures below, and stopped and wiped at the end of the session. When
NAZAR_KAFKA_BOOTSTRAP and NAZAR_PG_DSN are both set, those are used and nothing is started. A
stack started here also hands its NAZAR_AUTH_DEV_PRIVATE_KEY_PATH to the session's environment.
Unit tests (tests/unit) may not use these fixtures at all.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from nazar_platform.kafka.catalogue import Catalogue, TopicSpec
from nazar_platform.kafka.topics import bootstrap

from tests.e2e.system import SYSTEM_OVERRIDES, System, running_system

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "stack"
STACK_NAME = "test"
DEFAULT_TEST_PORT_BASE = "29000"
DEV_KEY_VARIABLE = "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH"
INFRA_FIXTURES = {
    "stack_env",
    "kafka_bootstrap",
    "pg_dsn",
    "databases",
    "fresh_database",
    "new_topic",
    "system",
}


@dataclass(frozen=True)
class StackEnv:
    kafka_bootstrap: str
    pg_dsn: str
    # False when the infrastructure came from the environment and is not ours to stop.
    managed: bool
    # The stack's Prometheus (deploy/stack infra-up starts one); None when the infrastructure
    # came from the environment without NAZAR_PROMETHEUS_URL.
    prometheus_url: str | None = None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unit_dir = ROOT / "tests" / "unit"
    offenders = [
        item.nodeid
        for item in items
        if item.path.is_relative_to(unit_dir)
        and INFRA_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    ]
    if offenders:
        raise pytest.UsageError(f"unit tests must not use Kafka or PostgreSQL: {offenders}")
    _system_last(items)


def _system_last(items: list[pytest.Item]) -> None:
    """Within each suite (tests/browser, tests/e2e, ...), modules that use the shared running
    system go after the suite's other modules, in their order.

    A test that runs one service of its own publishes on the real topics (its outbox writes
    them); with the whole system up beside it, the system's services would consume that traffic
    live — its publisher posting the test's stories, its consumers joining the test service's
    consumer groups. Whole modules move, so module-scoped fixtures are set up once."""
    using = {item.path for item in items if "system" in getattr(item, "fixturenames", ())}

    def suite(item: pytest.Item) -> str:
        relative = item.path.relative_to(ROOT).parts
        return relative[1] if len(relative) > 2 else ""

    order = {name: i for i, name in enumerate(dict.fromkeys(suite(item) for item in items))}
    items.sort(key=lambda item: (order[suite(item)], item.path in using))  # stable


def _read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@pytest.fixture(scope="session")
def stack_env() -> Iterator[StackEnv]:
    bootstrap_servers = os.environ.get("NAZAR_KAFKA_BOOTSTRAP")
    dsn = os.environ.get("NAZAR_PG_DSN")
    if bootstrap_servers and dsn:
        yield StackEnv(
            bootstrap_servers, dsn, managed=False,
            prometheus_url=os.environ.get("NAZAR_PROMETHEUS_URL"),
        )  # fmt: skip
        return
    env = {**os.environ}
    env.setdefault("NAZAR_PORT_BASE", DEFAULT_TEST_PORT_BASE)
    subprocess.run([STACK, "infra-up", "--name", STACK_NAME], env=env, check=True, timeout=600)
    values = _read_env_file(ROOT / ".state" / STACK_NAME / "stack.env")
    # The stack's own dev signing key, for this process and every one it starts (apps built
    # without a verifier of their own, the mint CLI), instead of the dev stack's.
    key_before = os.environ.get(DEV_KEY_VARIABLE)
    os.environ[DEV_KEY_VARIABLE] = values[DEV_KEY_VARIABLE]
    try:
        yield StackEnv(
            values["NAZAR_KAFKA_BOOTSTRAP"],
            values["NAZAR_PG_DSN"],
            managed=True,
            prometheus_url=values.get("NAZAR_PROMETHEUS_URL"),
        )
    finally:
        if key_before is None:
            os.environ.pop(DEV_KEY_VARIABLE, None)
        else:
            os.environ[DEV_KEY_VARIABLE] = key_before
        subprocess.run(
            [STACK, "infra-down", "--name", STACK_NAME, "--wipe"], env=env, check=False, timeout=300
        )


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_env: StackEnv) -> str:
    return stack_env.kafka_bootstrap


@pytest.fixture(scope="session")
def pg_dsn(stack_env: StackEnv) -> str:
    """DSN of a role that may create databases; connect to a fresh database, not to this one."""
    return stack_env.pg_dsn


def _unique(prefix: str, separator: str) -> str:
    safe = re.sub(r"[^a-z0-9]+", "_", prefix.lower()).strip("_")[:30] or "t"
    return f"{safe}{separator}{uuid.uuid4().hex[:10]}"


def dsn_for_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


class DatabaseFactory:
    """Creates uniquely named databases on the test server and drops them again."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.created: list[str] = []

    async def create(self, prefix: str = "test") -> str:
        name = _unique(prefix, "_")
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return dsn_for_database(self.admin_dsn, name)

    async def drop(self, dsn: str) -> None:
        name = urlsplit(dsn).path.lstrip("/")
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            # FORCE: a pool a test forgot to close must not keep its database alive.
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        if name in self.created:
            self.created.remove(name)

    async def drop_all(self) -> None:
        for name in list(self.created):
            await self.drop(dsn_for_database(self.admin_dsn, name))


@pytest.fixture(scope="session")
async def databases(pg_dsn: str) -> AsyncIterator[DatabaseFactory]:
    """Session-wide factory; a module-scoped fixture can create one database per module."""
    factory = DatabaseFactory(pg_dsn)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def fresh_database(
    databases: DatabaseFactory, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """DSN of an empty database that exists for this test only."""
    dsn = await databases.create(request.node.name)
    yield dsn
    await databases.drop(dsn)


class TopicFactory:
    """Creates uniquely named topics (each with its `.dlq` twin) and deletes them afterwards."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.created: list[str] = []

    async def __call__(
        self,
        prefix: str = "test",
        *,
        partitions: int = 1,
        config: dict[str, str] | None = None,
        dlq: bool = True,
        personal_data: bool = False,
    ) -> str:
        spec = TopicSpec(
            name=f"test.{_unique(prefix, '.')}",
            partitions=partitions,
            config=config or {},
            dlq=dlq,
            personal_data=personal_data,
        )
        catalogue = Catalogue(topics=[spec])
        report = await bootstrap(catalogue, self.bootstrap_servers)
        self.created += report.created
        return spec.name

    async def delete_all(self) -> None:
        if not self.created:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        await admin.start()
        try:
            await admin.delete_topics(self.created)
        finally:
            await admin.close()
        self.created = []


@pytest.fixture
async def new_topic(kafka_bootstrap: str) -> AsyncIterator[TopicFactory]:
    """`name = await new_topic("orders", partitions=3, config={...})` creates the topic and its
    `.dlq` twin; both are deleted when the test ends."""
    factory = TopicFactory(kafka_bootstrap)
    yield factory
    await factory.delete_all()


@pytest.fixture(scope="session")
async def system(stack_env: StackEnv) -> AsyncIterator[System]:
    """The whole system as `deploy/stack up` runs it (tests/e2e/system.py), once per session:
    the end-to-end and the security suites share it (two would fight over the same ports)."""
    env = {
        "NAZAR_KAFKA_BOOTSTRAP": stack_env.kafka_bootstrap,
        "NAZAR_PG_DSN": stack_env.pg_dsn,
        "NAZAR_PORT_BASE": os.environ.get("NAZAR_PORT_BASE", DEFAULT_TEST_PORT_BASE),
        "NAZAR_STACK_NAME": STACK_NAME,
    }
    if DEV_KEY_VARIABLE in os.environ:
        env[DEV_KEY_VARIABLE] = os.environ[DEV_KEY_VARIABLE]
    async with running_system(env, SYSTEM_OVERRIDES) as running:
        yield running
