"""infra-up / infra-down: Kafka, PostgreSQL and Prometheus for one state folder, plus the topic
catalogue."""

from __future__ import annotations

import os
import shutil

from . import services
from .common import ROOT, StackError, State, run, say, venv_python, write_env_file
from .kafka import Kafka
from .postgres import SERVICE_DATABASES, Postgres, admin_dsn, ensure_databases
from .procs import wait_ports_free
from .prometheus import Prometheus

CATALOGUE = ROOT / "deploy" / "topics.yaml"


def infra_up(name: str) -> dict[str, str]:
    """Start (or re-validate) the infrastructure of `name`; returns what stack.env holds."""
    state = State(name)
    kafka, postgres, prometheus = Kafka(state), Postgres(state), Prometheus(state)
    with state.lock():
        ports = state.ports()
        recorded = state.recorded_ports()
        running = kafka.running() or postgres.running()
        if recorded is not None and recorded != ports and running:
            raise StackError(
                f"stack {name!r} already runs on port base {recorded.base}; "
                f"run `deploy/stack infra-down --name {name}` first"
            )
        state.record_ports(ports)
        external_dsn = os.environ.get("NAZAR_PG_DSN")
        started: list[Kafka | Postgres | Prometheus] = []
        try:
            if not kafka.running():
                kafka.start(ports)
                started.append(kafka)
            if external_dsn:
                dsn = external_dsn
                say("using the PostgreSQL given in NAZAR_PG_DSN (not starting one)")
            else:
                if not postgres.running():
                    postgres.start(ports)
                    started.append(postgres)
                dsn = admin_dsn(ports)
            if not prometheus.running():
                prometheus.start(ports)
                started.append(prometheus)
            ensure_databases(dsn, SERVICE_DATABASES)
            kafka.wait_ready(ports)
            prometheus.wait_ready(ports)
            bootstrap = f"127.0.0.1:{ports.kafka}"
            run(
                [
                    venv_python(), "-m", "nazar_platform.cli.topics", "bootstrap",
                    "--catalogue", CATALOGUE, "--bootstrap-servers", bootstrap, "--quiet",
                ]
            )  # fmt: skip
        except BaseException:
            # Leave nothing half-started behind: a failed infra-up must not leak processes.
            for component in reversed(started):
                component.stop()
            raise
        values = {
            "NAZAR_KAFKA_BOOTSTRAP": bootstrap,
            "NAZAR_PG_DSN": dsn,
            "NAZAR_PORT_BASE": str(ports.base),
            "NAZAR_PROMETHEUS_URL": f"http://127.0.0.1:{ports.prometheus}",
            # Absolute, so that every process of this stack (services, tests, the mint CLI),
            # whatever its working directory, signs and verifies tokens with the same key.
            "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(state.dev_signing_key),
        }
        write_env_file(state.env_file, values)
        return values


def infra_down(name: str, *, wipe: bool = False) -> None:
    """Stop everything started for `name`: services first, then Kafka, then PostgreSQL."""
    state = State(name)
    if not state.dir.exists():
        return
    kafka, postgres, prometheus = Kafka(state), Postgres(state), Prometheus(state)
    with state.lock():
        services.stop_all(state)
        prometheus.stop()
        kafka.stop()
        postgres.stop()
        ports = state.recorded_ports()
        if ports is not None:
            wait_ports_free(
                [ports.kafka, ports.controller, ports.kafka_metrics, ports.postgres,
                 ports.prometheus]
            )  # fmt: skip
        state.env_file.unlink(missing_ok=True)
        if wipe:
            if postgres.sockets.is_relative_to("/tmp"):  # noqa: S108 - our fallback socket dir
                shutil.rmtree(postgres.sockets, ignore_errors=True)
            shutil.rmtree(state.dir)
            say(f"wiped {state.dir}")
