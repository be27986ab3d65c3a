"""Secrets from files (nazar_platform.config.secret_files): `NAZAR_<SETTING>_FILE` names the file
of a secret setting, as a deployment's compose file hands every secret over; the database
password joins a URL that names none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from nazar_platform.config.secret_files import SecretFileError
from nazar_platform.config.settings import PlatformSettings
from roster.settings import RosterSettings

STRONG = "k7Qx2-strong-deployment-key-9fT3aLw0"  # in no list of development values
PASSWORD = "p@ss/wörd:with#signs-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("NAZAR_"):
            monkeypatch.delenv(name)


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_secret_comes_from_the_file_its_variable_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_MEMBER_ID_SECRET_FILE", _file(tmp_path, "m", f"{STRONG}\n"))
    monkeypatch.setenv("NAZAR_SIGN_IN_HASH_KEY_FILE", _file(tmp_path, "h", f"{STRONG}x\r\n"))
    settings = RosterSettings()
    # One trailing newline (what `echo` leaves) is not part of the value; nothing else goes.
    assert settings.member_id_secret.get_secret_value() == STRONG
    assert settings.sign_in_hash_key.get_secret_value() == f"{STRONG}x"


def test_only_one_trailing_newline_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_MEMBER_ID_SECRET_FILE", _file(tmp_path, "m", f" {STRONG}\n\n"))
    assert RosterSettings().member_id_secret.get_secret_value() == f" {STRONG}\n"


def test_a_list_of_earlier_keys_comes_from_a_json_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = f'["{STRONG}a", "{STRONG}b"]\n'
    monkeypatch.setenv("NAZAR_AUTH_CODE_PREVIOUS_KEYS_FILE", _file(tmp_path, "k", keys))
    given = RosterSettings().auth_code_previous_keys
    assert [k.get_secret_value() for k in given] == [f"{STRONG}a", f"{STRONG}b"]


def test_both_the_variable_and_its_file_is_refused_without_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_MEMBER_ID_SECRET", STRONG)
    monkeypatch.setenv("NAZAR_MEMBER_ID_SECRET_FILE", _file(tmp_path, "m", STRONG))
    with pytest.raises(SecretFileError) as caught:
        RosterSettings()
    message = str(caught.value)
    assert "NAZAR_MEMBER_ID_SECRET and NAZAR_MEMBER_ID_SECRET_FILE" in message
    assert STRONG not in message


def test_a_missing_file_names_the_variable_and_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "nowhere")
    monkeypatch.setenv("NAZAR_MEMBER_ID_SECRET_FILE", missing)
    with pytest.raises(SecretFileError, match=f"NAZAR_MEMBER_ID_SECRET_FILE names {missing}"):
        RosterSettings()


def test_a_setting_that_is_not_secret_reads_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_LOG_LEVEL_FILE", _file(tmp_path, "l", "DEBUG"))
    assert PlatformSettings().log_level == "INFO"


def test_the_database_password_joins_a_url_that_names_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_DATABASE_URL", "postgresql://nazar_roster@postgres:5432/nazar_roster")
    monkeypatch.setenv("NAZAR_DATABASE_PASSWORD_FILE", _file(tmp_path, "p", f"{PASSWORD}\n"))
    url = PlatformSettings().database_url.get_secret_value()
    assert url == (
        "postgresql://nazar_roster:p%40ss%2Fw%C3%B6rd%3Awith%23signs-0123456789"
        "@postgres:5432/nazar_roster"
    )


def test_a_production_service_starts_with_its_secrets_only_in_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the compose file does: the URL names no secret; every secret is a file."""
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "production")
    monkeypatch.setenv("NAZAR_DATABASE_URL", "postgresql://nazar_roster@postgres:5432/nazar_roster")
    monkeypatch.setenv("NAZAR_DATABASE_PASSWORD_FILE", _file(tmp_path, "p", STRONG))
    for name in ("MEMBER_ID_SECRET", "SIGN_IN_HASH_KEY", "AUTH_CODE_KEY", "SIGNING_KEY_KEK"):
        monkeypatch.setenv(f"NAZAR_{name}_FILE", _file(tmp_path, name, f"{STRONG}-{name}\n"))
    settings = RosterSettings()
    assert STRONG in settings.database_url.get_secret_value()
    assert settings.member_id_secret.get_secret_value() == f"{STRONG}-MEMBER_ID_SECRET"


def test_a_password_given_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAZAR_DATABASE_URL", f"postgresql://svc:{STRONG}@db:5432/svc")
    monkeypatch.setenv("NAZAR_DATABASE_PASSWORD_FILE", _file(tmp_path, "p", PASSWORD))
    with pytest.raises(SecretFileError, match="give it once") as caught:
        PlatformSettings()
    assert STRONG not in str(caught.value) and PASSWORD not in str(caught.value)


def test_an_empty_file_is_a_secret_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_OIDC_CLIENT_SECRET_FILE", _file(tmp_path, "o", "\n"))
    monkeypatch.setenv("NAZAR_AUTH_CODE_PREVIOUS_KEYS_FILE", _file(tmp_path, "k", ""))
    settings = RosterSettings()
    assert settings.oidc_client_secret is None
    assert not settings.auth_code_previous_keys
