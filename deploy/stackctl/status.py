"""`deploy/stack status` and `deploy/stack logs`."""

from __future__ import annotations

import os
import subprocess

from . import services
from .common import State, venv_python
from .kafka import Kafka
from .postgres import Postgres, admin_dsn, pg_bin
from .procs import port_listening, tail
from .prometheus import Prometheus


def _kafka_answers(bootstrap: str) -> bool:
    cmd = [str(venv_python()), "-m", "nazar_platform.cli.topics", "wait"]
    cmd += ["--bootstrap-servers", bootstrap, "--timeout", "5"]
    return subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def _postgres_answers(dsn: str) -> bool:
    cmd = [str(pg_bin() / "pg_isready"), "-q", "-d", dsn, "-t", "3"]
    return subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def print_status(state: State) -> int:
    """Exit 0 when everything that should run is running and healthy, else 1."""
    ports = state.recorded_ports()
    if ports is None or not state.dir.exists():
        print(f"stack {state.name!r}: not started (no {state.dir})")
        return 1
    kafka, postgres = Kafka(state), Postgres(state)
    env = state.recorded_env()
    rows: list[tuple[str, str, str, str, str]] = []

    kafka_pids = kafka.pids()
    kafka_ok = bool(kafka_pids) and _kafka_answers(f"127.0.0.1:{ports.kafka}")
    kafka_ports = f"{ports.kafka},{ports.controller},{ports.kafka_metrics}"
    rows.append(_row("kafka", kafka_pids, kafka_ports, kafka_ok))

    external = env.get("NAZAR_PG_DSN", admin_dsn(ports)) != admin_dsn(ports)
    if external:
        rows.append(("postgres", "external", "-", "-", "given in NAZAR_PG_DSN"))
    else:
        pg_pids = postgres.pids()
        pg_ok = bool(pg_pids) and _postgres_answers(admin_dsn(ports))
        rows.append(_row("postgres", pg_pids, str(ports.postgres), pg_ok))

    all_ok = kafka_ok and (external or rows[-1][4] == "healthy")
    prometheus_pids = Prometheus(state).pids()
    prometheus_ok = bool(prometheus_pids) and port_listening(ports.prometheus)
    rows.append(_row("prometheus", prometheus_pids, str(ports.prometheus), prometheus_ok))
    all_ok = all_ok and prometheus_ok
    for service in services.SERVICES:
        # The HTTP port, then the internal metrics listener's.
        listening = ",".join(
            str(p) for p in (service.port(ports), service.metrics_port(ports)) if p is not None
        )
        if not (state.pids / f"{service.name}.pid").exists():
            # Never started here (an infra-only stack such as the tests'): nothing is missing.
            rows.append((service.name, "not started", "-", listening, "-"))
            continue
        pid = services.service_pid(state, service)
        ok = pid is not None and services.healthy(ports, service)
        all_ok = all_ok and ok
        rows.append(_row(service.name, [pid] if pid else [], listening, ok))

    print(f"stack {state.name!r} (NAZAR_PORT_BASE={ports.base}, env: {state.env_file})")
    header = ("component", "state", "pids", "ports", "health")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print(("  " + "  ".join(cells)).rstrip())
    return 0 if all_ok else 1


def _row(name: str, pids: list[int], ports: str, ok: bool) -> tuple[str, str, str, str, str]:
    running = "running" if pids else "stopped"
    pid_text = ",".join(map(str, pids)) or "-"
    health = "healthy" if ok else ("unhealthy" if pids else "-")
    return (name, running, pid_text, ports, health)


def print_logs(state: State, component: str | None, follow: bool, lines: int) -> int:
    files = sorted(state.logs.glob("*.log")) if state.logs.exists() else []
    if component is not None:
        files = [f for f in files if f.stem == component]
        if not files:
            known = ", ".join(f.stem for f in sorted(state.logs.glob("*.log"))) or "none"
            print(f"no log for {component!r} in {state.logs} (known: {known})")
            return 1
    if not files:
        print(f"no logs in {state.logs}")
        return 1
    if follow:
        os.execvp("tail", ["tail", "-n", str(lines), "-F", *map(str, files)])
    for path in files:
        if len(files) > 1:
            print(f"==> {path} <==")
        print(tail(path, lines))
    return 0
