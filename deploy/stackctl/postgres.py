"""The local PostgreSQL server: Debian's binaries, run as the postgres user from a state folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

from .common import Ports, StackError, State, run, say
from .procs import pids_referencing, port_listening, stop_processes

ROLE = "nazar"
SERVICE_DATABASES = ["nazar_roster", "nazar_directive", "nazar_publisher", "nazar_story"]
# sun_path holds 108 bytes; a deep checkout would overflow it with the socket inside the state.
MAX_SOCKET_PATH = 100


def pg_bin() -> Path:
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not versions:
        raise StackError("PostgreSQL is not installed: run `deploy/stack install`")
    return versions[-1].parent


def admin_dsn(ports: Ports) -> str:
    return f"postgresql://{ROLE}:{ROLE}@127.0.0.1:{ports.postgres}/postgres"


class Postgres:
    def __init__(self, state: State) -> None:
        self.state = state
        self.home = state.dir / "pg"
        self.data = self.home / "data"
        self.log = state.logs / "postgres.log"
        self.sockets = self._socket_dir()

    def _socket_dir(self) -> Path:
        local = self.home / "run"
        if len(str(local)) + len("/.s.PGSQL.65535") <= MAX_SOCKET_PATH:
            return local
        digest = hashlib.sha1(str(self.home).encode(), usedforsecurity=False).hexdigest()[:12]
        return Path("/tmp") / f"nazar-pg-{digest}"  # noqa: S108 - private, named per checkout

    def pids(self) -> list[int]:
        # pg_ctl starts the postmaster as `postgres -D <data>`; matching on the data dir also
        # rules out a stale postmaster.pid whose pid now belongs to something else.
        return pids_referencing(f"-D {self.data}")

    def running(self) -> bool:
        return bool(self.pids())

    def start(self, ports: Ports) -> None:
        if self.running():
            return
        if port_listening(ports.postgres):
            raise StackError(
                f"port {ports.postgres} is taken by another process (pick NAZAR_PORT_BASE)"
            )
        self._prepare_dirs()
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        self._write_conf(ports)
        # Left by a killed server (no postmaster runs on this data dir, checked above).
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        say(f"starting PostgreSQL on 127.0.0.1:{ports.postgres} (log: {self.log})")
        self._as_postgres(
            [pg_bin() / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start"],
            capture=True,
        )
        self._ensure_role(ports)

    def stop(self) -> None:
        pids = self.pids()
        if not pids:
            return
        say(f"stopping PostgreSQL (pids {pids})")
        result = self._as_postgres(
            [pg_bin() / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop"],
            check=False,
            capture=True,
        )
        if result.returncode != 0:
            stop_processes(self.pids(), timeout=10)

    def _prepare_dirs(self) -> None:
        for directory in (self.home, self.data, self.sockets, self.state.logs):
            directory.mkdir(parents=True, exist_ok=True)
        _let_postgres_traverse(self.home)
        self.log.touch()
        self.data.chmod(0o700)
        for path in (self.home, self.data, self.sockets, self.log):
            shutil.chown(path, "postgres", "postgres")

    def _initdb(self) -> None:
        say(f"initialising a PostgreSQL cluster in {self.data}")
        cmd: list[str | Path] = [
            pg_bin() / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "-E",
            "UTF8",
        ]
        cmd += ["--no-locale", "--auth-local=peer", "--auth-host=scram-sha-256"]
        if self.state.is_test:
            cmd.append("--no-sync")
        self._as_postgres(cmd, capture=True)
        conf = self.data / "postgresql.conf"
        conf.write_text(conf.read_text() + "\ninclude_if_exists = 'nazar.conf'\n")

    def _write_conf(self, ports: Ports) -> None:
        lines = [
            "# written by deploy/stack on every infra-up; edit stackctl/postgres.py instead",
            "listen_addresses = '127.0.0.1'",
            f"port = {ports.postgres}",
            f"unix_socket_directories = '{self.sockets}'",
            # Every service keeps a pool and every test module its own database.
            "max_connections = 300",
            "shared_buffers = 256MB",
            "password_encryption = scram-sha-256",
        ]
        if self.state.is_test:
            # Test data is thrown away: durability only costs time here.
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        conf = self.data / "nazar.conf"
        conf.write_text("\n".join(lines) + "\n")
        shutil.chown(conf, "postgres", "postgres")

    def _ensure_role(self, ports: Ports) -> None:
        # SUPERUSER: tests create and drop databases and migrations may create extensions.
        sql = (
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
            f"CREATE ROLE {ROLE} LOGIN SUPERUSER; END IF; END $$;"
            f"ALTER ROLE {ROLE} WITH LOGIN SUPERUSER PASSWORD '{ROLE}';"
        )
        psql: list[str | Path] = [pg_bin() / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        self._as_postgres(
            [*psql, "-h", self.sockets, "-p", str(ports.postgres), "-d", "postgres", "-c", sql],
            capture=True,
        )

    def _as_postgres(
        self, cmd: list[str | Path], *, check: bool = True, capture: bool = False
    ) -> subprocess.CompletedProcess[str]:
        # PostgreSQL refuses to run as root.
        return run(["runuser", "-u", "postgres", "--", *cmd], check=check, capture=capture)


def _let_postgres_traverse(path: Path) -> None:
    """The postgres user must reach its data dir through the checkout: add o+x (search only, not
    read) to any parent that lacks it, e.g. a checkout under /root."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            say(f"adding o+x to {parent} so the postgres user can reach {path}")
            parent.chmod(mode | stat.S_IXOTH)


def ensure_databases(dsn: str, names: list[str]) -> None:
    """Create the service databases that are missing, on our server or one given from outside."""
    psql: list[str | Path] = [pg_bin() / "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
    psql.append(dsn)
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    existing = set(
        run([*psql, "-c", "SELECT datname FROM pg_database"], capture=True, env=env).stdout.split()
    )
    for name in names:
        if name not in existing:
            say(f"creating database {name}")
            run([*psql, "-c", f'CREATE DATABASE "{name}"'], capture=True, env=env)
