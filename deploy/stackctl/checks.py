"""`deploy/stack test`: the static checks, then pytest (which starts infrastructure lazily)."""

from __future__ import annotations

import os
import subprocess
import time

from .common import ROOT, say
from .install import install, uv_command

LINTERS = [
    ["ruff", "check", "."],
    ["ruff", "format", "--check", "."],
    ["mypy"],
    ["lint-imports", "--no-logo"],
    # Copied logic of 8 lines or more (configuration and its reasons: [tool.pylint]).
    ["pylint", "services", "libs"],
]
# pytest's "no tests collected": a green run that tested nothing must not pass CI.
PYTEST_NO_TESTS = 5


def chaos(pytest_args: list[str]) -> int:
    """The long runs: the kill runs of tests/chaos (SIGKILL in the middle of work, many times
    over) and the state-size runs of tests/soak; their own command, so that `test` stays quick
    enough for every change."""
    install()
    uv_run = [*uv_command(), "run", "--frozen", "--quiet"]
    code = subprocess.call(
        [*uv_run, "pytest", "tests/chaos", "tests/soak", *pytest_args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )
    if code == PYTEST_NO_TESTS:
        say("pytest collected no tests: counting that as a failure")
        return 1
    say("chaos runs passed" if code == 0 else f"FAILED: chaos runs (exit {code})")
    return 0 if code == 0 else 1


def test(pytest_args: list[str]) -> int:
    install()
    uv_run = [*uv_command(), "run", "--frozen", "--quiet"]
    failed: list[str] = []
    if os.environ.get("NAZAR_SKIP_LINT") == "1":
        say("NAZAR_SKIP_LINT=1: skipping ruff, mypy and lint-imports")
    else:
        for linter in LINTERS:
            started = time.monotonic()
            code = subprocess.call([*uv_run, *linter], cwd=ROOT, stdin=subprocess.DEVNULL)
            say(f"{' '.join(linter)}: {'ok' if code == 0 else 'FAILED'} "
                f"({time.monotonic() - started:.1f}s)")  # fmt: skip
            if code != 0:
                failed.append(" ".join(linter))
    code = subprocess.call([*uv_run, "pytest", *pytest_args], cwd=ROOT, stdin=subprocess.DEVNULL)
    if code == PYTEST_NO_TESTS:
        say("pytest collected no tests: counting that as a failure")
        code = 1
    if code != 0:
        failed.append(f"pytest (exit {code})")
    if failed:
        say(f"FAILED: {', '.join(failed)}")
        return 1
    say("all checks and tests passed")
    return 0
