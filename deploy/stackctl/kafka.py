"""The local single-node KRaft broker, run from the Maven Central jars with the machine's JVM."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from string import Template

from .common import ROOT, Ports, StackError, State, run, say, venv_python
from .install import jmx_exporter, kafka_libs
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

TEMPLATE = ROOT / "deploy" / "kafka" / "server.properties.template"
LOG4J = ROOT / "deploy" / "kafka" / "log4j2.properties"
JMX_RULES = ROOT / "deploy" / "kafka" / "jmx-exporter.yaml"


class Kafka:
    def __init__(self, state: State) -> None:
        self.state = state
        self.home = state.dir / "kafka"
        self.props = self.home / "server.properties"
        self.data = self.home / "data"
        self.pidfile = state.pids / "kafka.pid"
        self.log = state.logs / "kafka.log"

    def pids(self) -> list[int]:
        # The properties path is unique to this state folder, so this finds only our broker,
        # also when the pid file is lost or names a pid that was reused after a reboot.
        return pids_referencing(str(self.props))

    def running(self) -> bool:
        return bool(self.pids())

    def start(self, ports: Ports) -> None:
        if self.running():
            return
        for port in (ports.kafka, ports.controller, ports.kafka_metrics):
            if port_listening(port):
                raise StackError(f"port {port} is taken by another process (pick NAZAR_PORT_BASE)")
        libs = kafka_libs()
        self._render(ports)
        self._format(libs)
        heap = "768m" if self.state.is_test else "1g"
        # The broker's metrics for Prometheus, on 127.0.0.1 only.
        agent = f"-javaagent:{jmx_exporter()}=127.0.0.1:{ports.kafka_metrics}:{JMX_RULES}"
        cmd: list[str | Path] = [
            _java(), f"-Xmx{heap}", "-Xms256m", "-XX:+UseG1GC", "-Djava.awt.headless=true", agent,
            f"-Dlog4j2.configurationFile={LOG4J}", "-cp", f"{libs}/*", "kafka.Kafka", self.props,
        ]  # fmt: skip
        say(f"starting Kafka on 127.0.0.1:{ports.kafka} (log: {self.log})")
        pid = start_detached(cmd, self.log, env=os.environ, cwd=self.home)
        self.state.pids.mkdir(parents=True, exist_ok=True)
        self.pidfile.write_text(f"{pid}\n")

    def wait_ready(self, ports: Ports, timeout: float = 90) -> None:
        """Ready means a metadata request is answered, not just an open port."""
        pid = read_pid(self.pidfile)

        def up_or_dead() -> bool:
            return port_listening(ports.kafka) or (pid is not None and not pid_alive(pid))

        wait_until(up_or_dead, timeout, 0.2)
        if pid is not None and not pid_alive(pid):
            raise StackError(f"Kafka exited during startup; last log lines:\n{tail(self.log)}")
        run(
            [
                venv_python(), "-m", "nazar_platform.cli.topics", "wait",
                "--bootstrap-servers", f"127.0.0.1:{ports.kafka}", "--timeout", str(timeout),
            ]
        )  # fmt: skip

    def stop(self) -> None:
        pids = self.pids()
        if pids:
            say(f"stopping Kafka (pids {pids})")
            # A clean shutdown keeps the next start fast (no log recovery).
            stop_processes(pids, timeout=40)
        self.pidfile.unlink(missing_ok=True)

    def _render(self, ports: Ports) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        text = Template(TEMPLATE.read_text()).substitute(
            broker_port=ports.kafka, controller_port=ports.controller, data_dir=self.data
        )
        self.props.write_text(text)

    def _format(self, libs: Path) -> None:
        if (self.data / "meta.properties").exists():
            return
        base = [_java(), "-cp", f"{libs}/*", f"-Dlog4j2.configurationFile={LOG4J}"]
        tool = "kafka.tools.StorageTool"
        cluster_id = run([*base, tool, "random-uuid"], capture=True).stdout.strip().splitlines()
        if not cluster_id:
            raise StackError("kafka StorageTool random-uuid printed nothing")
        run([*base, tool, "format", "-t", cluster_id[-1], "-c", self.props], capture=True)


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise StackError("java is not installed: run `deploy/stack install`")
    return java
