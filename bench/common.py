"""What every benchmark needs: a running Kafka + PostgreSQL, fresh databases and topics, output.

A benchmark uses the servers named by NAZAR_KAFKA_BOOTSTRAP and NAZAR_PG_DSN when both are set;
otherwise it starts its own stack (`deploy/stack infra-up --name bench`, durable PostgreSQL
settings, unlike the test stack) and stops it afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "stack"
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    pg_dsn: str


@contextmanager
def infra(name: str = "bench", port_base: str = "30000") -> Iterator[Infra]:
    bootstrap, dsn = os.environ.get("NAZAR_KAFKA_BOOTSTRAP"), os.environ.get("NAZAR_PG_DSN")
    if bootstrap and dsn:
        yield Infra(bootstrap, dsn)
        return
    env = {**os.environ, "NAZAR_PORT_BASE": os.environ.get("NAZAR_PORT_BASE", port_base)}
    subprocess.run([STACK, "infra-up", "--name", name], env=env, check=True)
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".state" / name / "stack.env").read_text().splitlines()
        if "=" in line
    )
    try:
        yield Infra(values["NAZAR_KAFKA_BOOTSTRAP"], values["NAZAR_PG_DSN"])
    finally:
        if not os.environ.get("NAZAR_BENCH_KEEP"):
            subprocess.run([STACK, "infra-down", "--name", name, "--wipe"], env=env, check=False)


def services_env(name: str, servers: Infra) -> dict[str, str]:
    """The environment services started from the stack's own commands run with on `servers`
    (bench.alerts, bench.signin), set in this process too: the tokens it mints use the
    stack's dev key and audience."""
    env = {
        "NAZAR_PORT_BASE": os.environ["NAZAR_PORT_BASE"],
        "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": os.environ.get(
            "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH",
            str(ROOT / ".state" / name / "auth" / "dev-signing-key.pem"),
        ),
        "NAZAR_KAFKA_BOOTSTRAP": servers.kafka_bootstrap,
        "NAZAR_PG_DSN": servers.pg_dsn,
    }
    os.environ.update(env)
    return env


async def create_database(admin_dsn: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_dsn.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(admin_dsn: str, dsn: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{dsn.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def create_topics(bootstrap: str, *names: str, partitions: int = 6) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, *names: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(list(names))
    finally:
        await admin.close()


def report(name: str, figures: dict[str, Any]) -> None:
    """Print the figures for a person and keep a JSON copy under bench/results/."""
    width = max(len(k) for k in figures)
    print(f"\n== {name} ==")
    for key, value in figures.items():
        if isinstance(value, list):
            continue  # series go to the JSON copy only
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value}"
        print(f"  {key.ljust(width)}  {shown}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"{name}-{stamp}.json").write_text(json.dumps(figures, indent=2))
