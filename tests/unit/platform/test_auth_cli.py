"""The dev token CLI: mints what the services accept, and refuses in production."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.tokens import AuthSettings, Grant, TokenVerifier
from nazar_platform.cli.tokens import main, parse_ttl


@pytest.fixture
def dev_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_path = tmp_path / ".state" / "dev" / "auth" / "dev.pem"
    monkeypatch.setenv("NAZAR_AUTH_DEV_PRIVATE_KEY_PATH", str(key_path))
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "local")
    return key_path


def test_mint_prints_a_token_the_dev_verifier_accepts(
    dev_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["mint", "--member", "M-000123", "--grant", "sp:DST-BIKANER"]
    assert main([*argv, "--grant", "sp:DST-CHURU", "--ttl", "2h", "--lang", "hi"]) == 0
    token = capsys.readouterr().out.strip()
    assert dev_env.exists()
    principal = TokenVerifier(AuthSettings()).verify(token)
    assert principal.member_id == "M-000123"
    assert principal.grants == (Grant(Role.SP, "DST-BIKANER"), Grant(Role.SP, "DST-CHURU"))
    assert principal.language == "hi"


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_mint_refuses_in_production(
    dev_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: str,
) -> None:
    monkeypatch.setenv("NAZAR_ENVIRONMENT", environment)
    assert main(["mint", "--member", "M-1", "--grant", "adg:RJ"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "production" in captured.err
    assert not dev_env.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--grant", "sheriff:DST-BIKANER"],
        ["--grant", "sp"],
        ["--grant", "sp:"],
        ["--grant", "sp:DST-BIKANER", "--ttl", "13h"],
        ["--grant", "sp:DST-BIKANER", "--ttl", "soon"],
    ],
)
def test_mint_rejects_bad_arguments(
    dev_env: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["mint", "--member", "M-1", *args])
    assert exited.value.code == 2
    assert capsys.readouterr().out == ""


def test_parse_ttl() -> None:
    assert parse_ttl("90s") == timedelta(seconds=90)
    assert parse_ttl("30m") == timedelta(minutes=30)
    assert parse_ttl("8h") == timedelta(hours=8)
    assert parse_ttl("1d") == timedelta(days=1)
    with pytest.raises(ValueError):
        parse_ttl("8 hours")


def test_python_dash_m_entry_point(dev_env: Path) -> None:
    env = {**os.environ, "NAZAR_AUTH_DEV_PRIVATE_KEY_PATH": str(dev_env)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nazar_platform.cli.tokens",
            "mint",
            "--member",
            "M-9",
            "--grant",
            "gram_rakshak:PS-NOKHA",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    principal = TokenVerifier(AuthSettings()).verify(done.stdout.strip())
    assert principal.grants == (Grant(Role.GRAM_RAKSHAK, "PS-NOKHA"),)
