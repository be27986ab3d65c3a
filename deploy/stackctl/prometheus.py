"""Prometheus of a local stack (Debian's build, from `promtool.py`): scrapes every service's
internal metrics listener, the Kafka broker's JMX exporter and itself, with the alert rules of
deploy/prometheus, so that the dashboards' queries can be tried on live data (`up` prints it)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from . import services
from .common import ROOT, Ports, StackError, State, say
from .procs import (
    pid_alive,
    pids_referencing,
    port_listening,
    read_pid,
    start_detached,
    stop_processes,
    tail,
    wait_until,
)
from .promtool import cached_prometheus

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
# Short enough that a test sees a rate() within a minute of traffic; the compose deployment
# keeps 15 s.
SCRAPE_INTERVAL = "5s"


def scrape_config(ports: Ports) -> dict[str, object]:
    """The scrape jobs, named like the compose deployment's (a service's name; `kafka`)."""
    jobs: list[dict[str, object]] = [
        _job("prometheus", ports.prometheus),
        _job("kafka", ports.kafka_metrics),
    ]
    jobs += [
        _job(s.name, port) for s in services.SERVICES if (port := s.metrics_port(ports)) is not None
    ]
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "rule_files": [str(RULES)],
        "scrape_configs": jobs,
    }


def _job(name: str, port: int) -> dict[str, object]:
    return {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}


class Prometheus:
    def __init__(self, state: State) -> None:
        self.state = state
        self.home = state.dir / "prometheus"
        # JSON is YAML: no YAML library needed before the venv exists.
        self.config = self.home / "prometheus.yml"
        self.pidfile = state.pids / "prometheus.pid"
        self.log = state.logs / "prometheus.log"

    def pids(self) -> list[int]:
        return pids_referencing(str(self.config))

    def running(self) -> bool:
        return bool(self.pids())

    def start(self, ports: Ports) -> None:
        if self.running():
            return
        binary = cached_prometheus() or shutil.which("prometheus")
        if binary is None:
            raise StackError(
                "prometheus is missing: `deploy/stack install` takes it from Debian's prometheus "
                "package (delete .cache/promtool/unavailable to try again)"
            )
        if port_listening(ports.prometheus):
            raise StackError(f"port {ports.prometheus} is taken (pick NAZAR_PORT_BASE)")
        self.home.mkdir(parents=True, exist_ok=True)
        self.config.write_text(json.dumps(scrape_config(ports), indent=1) + "\n")
        cmd: list[str | Path] = [
            binary,
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.home / 'data'}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address=127.0.0.1:{ports.prometheus}",
            "--log.level=warn",
        ]
        say(f"starting Prometheus on http://127.0.0.1:{ports.prometheus} (log: {self.log})")
        pid = start_detached(cmd, self.log, env=os.environ, cwd=self.home)
        self.state.pids.mkdir(parents=True, exist_ok=True)
        self.pidfile.write_text(f"{pid}\n")

    def wait_ready(self, ports: Ports, timeout: float = 30) -> None:
        pid = read_pid(self.pidfile)

        def up_or_dead() -> bool:
            return port_listening(ports.prometheus) or (pid is not None and not pid_alive(pid))

        wait_until(up_or_dead, timeout, 0.2)
        if not port_listening(ports.prometheus):
            raise StackError(f"Prometheus did not start; last log lines:\n{tail(self.log)}")

    def stop(self) -> None:
        pids = self.pids()
        if pids:
            say(f"stopping Prometheus (pids {pids})")
            stop_processes(pids, timeout=20)
        self.pidfile.unlink(missing_ok=True)
