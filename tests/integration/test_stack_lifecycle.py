"""infra-up / infra-down of a stack of its own (not the session's): nothing may be left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from nazar_platform.auth.tokens import AuthSettings, TokenVerifier

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "stack"
NAME = "test-lifecycle"


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def processes_under(path: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(path) in cmdline:
                found.append(int(entry.name))
    return found


def stack(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STACK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_infra_up_is_idempotent_and_infra_down_leaves_nothing() -> None:
    # 300 above the session's base, so the session's own test stack is never touched.
    base = int(os.environ.get("NAZAR_PORT_BASE", "29000")) + 300
    env = {
        k: v for k, v in os.environ.items() if k not in {"NAZAR_PG_DSN", "NAZAR_KAFKA_BOOTSTRAP"}
    }
    env["NAZAR_PORT_BASE"] = str(base)
    ports = [base + 92, base + 93, base + 432]
    state = ROOT / ".state" / NAME
    try:
        first = stack("infra-up", "--name", NAME, env=env)
        assert first.returncode == 0, first.stderr
        assert all(listening(p) for p in ports)
        env_file = (state / "stack.env").read_text()
        assert f"NAZAR_KAFKA_BOOTSTRAP=127.0.0.1:{base + 92}" in env_file
        assert f"NAZAR_PG_DSN=postgresql://nazar:nazar@127.0.0.1:{base + 432}/postgres" in env_file
        key = state / "auth" / "dev-signing-key.pem"
        assert f"NAZAR_AUTH_DEV_PRIVATE_KEY_PATH={key}\n" in env_file
        # A token minted from anywhere with the stack's environment verifies with its key.
        with tempfile.TemporaryDirectory() as elsewhere:
            minted = subprocess.run(
                [sys.executable, "-m", "nazar_platform.cli.tokens", "mint", "--member", "M-1",
                 "--grant", "adg:PHQ"],
                env={**env, "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(key)},
                cwd=elsewhere, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
        assert minted.returncode == 0, minted.stderr
        assert key.stat().st_mode & 0o777 == 0o600
        verifier = TokenVerifier(AuthSettings(dev_private_key_path=key))
        assert verifier.verify(minted.stdout.strip()).member_id == "M-1"
        kafka_pid = (state / "pids" / "kafka.pid").read_text()

        again = stack("infra-up", "--name", NAME, env=env)
        assert again.returncode == 0, again.stderr
        assert (state / "pids" / "kafka.pid").read_text() == kafka_pid, "restarted Kafka"
        assert stack("status", "--name", NAME, env=env).returncode == 0
    finally:
        down = stack("infra-down", "--name", NAME, "--wipe", env=env)
    assert down.returncode == 0, down.stderr
    assert not any(listening(p) for p in ports)
    assert processes_under(state) == []
    assert not state.exists()
    assert stack("status", "--name", NAME, env=env).returncode != 0
