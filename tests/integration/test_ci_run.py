""".ci/run is what CI trusts: it must fail on a failing test and on a run that tests nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ci_run(*pytest_args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NAZAR_KAFKA_BOOTSTRAP", "NAZAR_PG_DSN", "PYTEST_CURRENT_TEST"}
    }
    # No lint (the outer run does it) and a port base of its own, should anything start infra.
    env |= {"NAZAR_SKIP_LINT": "1", "NAZAR_PORT_BASE": "39500"}
    return subprocess.run(
        [ROOT / ".ci" / "run", "-p", "no:cacheprovider", *pytest_args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def test_dir(tmp_path: Path) -> Path:
    (tmp_path / "test_fails.py").write_text("def test_fails():\n    assert 1 == 2\n")
    (tmp_path / "test_passes.py").write_text("def test_passes():\n    assert 1 == 1\n")
    (tmp_path / "test_nothing.py").write_text("def helper():\n    return 1\n")
    return tmp_path


def test_a_failing_test_fails_the_run(test_dir: Path) -> None:
    result = ci_run(str(test_dir / "test_fails.py"))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "1 failed" in result.stdout


def test_a_run_that_collects_no_tests_fails(test_dir: Path) -> None:
    result = ci_run(str(test_dir / "test_nothing.py"))
    assert result.returncode != 0, result.stdout + result.stderr
    assert "no tests ran" in result.stdout


def test_a_passing_test_passes_the_run(test_dir: Path) -> None:
    result = ci_run(str(test_dir / "test_passes.py"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
