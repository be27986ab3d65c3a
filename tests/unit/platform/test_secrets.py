"""Secrets fail closed (nazar_platform.config.secrets): outside local and test, settings with a
secret missing, empty, short or a development value refuse to load, name the variable and never show
the value; every secret setting of every service is marked; the stack's values are known."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
from directive.settings import DirectiveSettings
from nazar_platform.auth.tokens import AuthSettings
from nazar_platform.config.secrets import (
    DEVELOPMENT_VALUES,
    InsecureSecretsError,
    Secret,
    is_development,
    secret_problems,
)
from nazar_platform.config.settings import PlatformSettings
from pydantic import SecretStr
from pydantic_settings import BaseSettings
from roster.settings import RosterSettings
from social_publisher.settings import PublisherSettings

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy"))
from stackctl.services import SERVICES  # noqa: E402

STRONG = "k7Qx2-strong-deployment-key-9fT3aLw0"  # 36 characters, in no list
DSN = f"postgresql://svc:{STRONG}@db.internal:5432/svc"


@pytest.fixture(autouse=True)
def no_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What these tests load comes from the test, not from a shell that sourced stack.env."""
    for name in [n for n in os.environ if n.startswith("NAZAR_")]:
        monkeypatch.delenv(name)


class Toy(PlatformSettings):
    link_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr("toy-default-key-" * 3)
    previous: Annotated[tuple[SecretStr, ...], Secret(min_length=32, optional=True)] = ()


def toy(environment: str, **values: Any) -> Toy:
    return Toy(environment=environment, **{"database_url": DSN, "link_key": STRONG, **values})


def refused(environment: str = "production", **values: Any) -> InsecureSecretsError:
    with pytest.raises(InsecureSecretsError) as caught:
        toy(environment, **values)
    return caught.value


@pytest.mark.parametrize("environment", ["local", "test"])
def test_development_environments_keep_their_defaults(environment: str) -> None:
    settings = Toy(environment=environment)
    assert settings.development and is_development(environment)
    assert settings.link_key.get_secret_value() == "toy-default-key-" * 3


def test_a_deployment_with_strong_secrets_loads() -> None:
    settings = toy("production", previous=[STRONG[::-1]])
    assert not settings.development and settings.link_key.get_secret_value() == STRONG


@pytest.mark.parametrize("environment", ["production", "staging", "Local", "prod", ""])
def test_every_other_environment_refuses_a_missing_secret(
    environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAZAR_DATABASE_URL", DSN)
    with pytest.raises(InsecureSecretsError) as caught:
        Toy(environment=environment)
    assert caught.value.problems == ("NAZAR_LINK_KEY is not set",)
    assert f"{environment!r} environment" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "NAZAR_LINK_KEY is empty"),
        ("   ", "NAZAR_LINK_KEY is empty"),
        ("toy-default-key-" * 3, "NAZAR_LINK_KEY is a development value"),
        ("local-app-secret", "NAZAR_LINK_KEY is a development value"),
        ("local-development-inbox-link-key-change-me", "NAZAR_LINK_KEY is a development value"),
        ("Short-But-Secret-7", "NAZAR_LINK_KEY is shorter than 32 characters"),
    ],
)
def test_empty_defaulted_known_and_short_secrets_are_refused_without_their_value(
    value: str, problem: str
) -> None:
    error = refused(link_key=value)
    assert error.problems == (problem,)
    assert not isinstance(error, ValueError)  # pydantic would print the inputs of a ValueError
    if value.strip():
        assert value not in str(error) and value not in repr(error)


def test_every_problem_is_named_at_once() -> None:
    error = refused(link_key="", database_url="postgresql://nazar:nazar@127.0.0.1/x")
    assert error.problems == (
        "NAZAR_DATABASE_URL has a password that is a development value",
        "NAZAR_LINK_KEY is empty",
    )


@pytest.mark.parametrize(
    ("dsn", "problem"),
    [
        ("postgresql://nazar:nazar@127.0.0.1:19432/postgres", "a password that is a development"),
        ("postgresql://svc@db.internal/svc", "no password"),
        ("postgresql://svc:@db.internal/svc", "a password that is empty"),
        ("postgresql://svc:tiny-pw-123@db.internal/svc", "a password that is shorter than 16"),
        ("postgresql://svc:%6Eazar@db.internal/svc", "a password that is a development"),
        ("postgresql:///svc?host=/run/postgresql&password=nazar", "a password that is a devel"),
        ("postgresql://svc:tiny-pw-123@[::1/svc", "is not a connection URL"),
    ],
)
def test_a_database_url_needs_a_real_password(dsn: str, problem: str) -> None:
    error = refused(database_url=dsn)
    [only] = error.problems
    assert only.startswith("NAZAR_DATABASE_URL ") and problem in only
    assert "tiny-pw-123" not in str(error)


def test_the_stack_dsn_is_refused_under_both_its_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # deploy/stack hands NAZAR_PG_DSN; a service derives its own database URL from it.
    monkeypatch.setenv("NAZAR_PG_DSN", "postgresql://nazar:nazar@127.0.0.1:29432/postgres")
    monkeypatch.setenv("NAZAR_ENVIRONMENT", "production")
    with pytest.raises(InsecureSecretsError) as caught:
        Toy(link_key=STRONG)
    assert [p.split()[0] for p in caught.value.problems] == ["NAZAR_DATABASE_URL", "NAZAR_PG_DSN"]
    monkeypatch.setenv("NAZAR_PG_DSN", f"postgresql://svc:{STRONG}@db.internal/postgres")
    monkeypatch.setenv("NAZAR_DATABASE_NAME", "nazar_toy")
    assert Toy(link_key=STRONG).database_url.get_secret_value().endswith("/nazar_toy")


def test_a_password_given_as_a_parameter_counts() -> None:
    assert toy("production", database_url=f"postgresql:///svc?host=/run/pg&password={STRONG}")


def test_optional_keys_may_be_absent_but_each_given_one_is_checked() -> None:
    assert toy("production", previous=[]).previous == ()
    error = refused(previous=[STRONG[::-1], "local-development-inbox-link-key-change-me"])
    assert error.problems == ("NAZAR_PREVIOUS is a development value",)


def secret_fields(cls: type[BaseSettings]) -> dict[str, bool]:
    """Every field holding a SecretStr, and whether it carries the Secret mark."""
    return {
        name: any(isinstance(m, Secret) for m in field.metadata)
        for name, field in cls.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (
            RosterSettings,
            {
                "database_url",
                "database_password",
                "pg_dsn",
                "member_id_secret",
                "sign_in_hash_key",
                "auth_code_key",
                "auth_code_previous_keys",
                "signing_key_kek",
                "signing_key_previous_keks",
                "oidc_client_secret",
            },
        ),
        (
            DirectiveSettings,
            {
                "database_url",
                "database_password",
                "pg_dsn",
                "inbox_link_key",
                "inbox_link_previous_keys",
            },
        ),
        (
            PublisherSettings,
            {
                "database_url",
                "database_password",
                "pg_dsn",
                "whatsapp_token",
                "whatsapp_app_secret",
                "whatsapp_verify_token",
                "sms_api_key",
                "sms_webhook_secret",
                "social_token_key",
                "public_media_key",
                "public_media_previous_keys",
                "x_client_secret",
                "auth_code_key",
                "auth_code_previous_keys",
            },
        ),
        (AuthSettings, set()),
    ],
)
def test_every_secret_of_every_service_is_marked(
    cls: type[BaseSettings], expected: set[str]
) -> None:
    fields = secret_fields(cls)
    assert set(fields) == expected
    assert all(fields.values()), f"not marked Secret: {[n for n, m in fields.items() if not m]}"
    # Nothing secret-looking hides as a plain string.
    plain = [
        n
        for n in cls.model_fields
        if re.search(r"secret|_token$|password|_keys?$|dsn$|database_url", n) and n not in fields
    ]
    assert plain == []


@pytest.mark.parametrize("cls", [RosterSettings, DirectiveSettings, PublisherSettings])
def test_each_service_refuses_every_default_secret_in_production(cls: type[BaseSettings]) -> None:
    with pytest.raises(InsecureSecretsError) as caught:
        cls(environment="production")
    marked = {n for n, m in secret_fields(cls).items() if m}
    optional = {
        "pg_dsn",
        "database_password",  # or in the URL
        "inbox_link_previous_keys",
        "public_media_previous_keys",
        "auth_code_previous_keys",
        "signing_key_previous_keks",
        "oidc_client_secret",  # single sign-on is off unless configured
    }
    assert {p.split()[0] for p in caught.value.problems} == {
        f"NAZAR_{n.upper()}" for n in marked - optional
    }


def test_the_local_stack_secrets_are_known_development_values() -> None:
    # The stack runs in `local`; its values are published here, so no deployment may use them.
    given = [
        value
        for service in SERVICES
        for key, value in service.env.items()
        if re.search(r"TOKEN|SECRET|_KEY$|PASSWORD", key) and not value.startswith("{")
    ]
    # Seed tokens are a JSON object: account id -> {"access_token", "refresh_token"}.
    given += [
        token
        for service in SERVICES
        for key, value in service.env.items()
        if key.endswith("_SEED_TOKENS")
        for pair in json.loads(value).values()
        for name, token in pair.items()
        if name.endswith("_token")
    ]
    given += [
        arg
        for service in SERVICES
        for flag, arg in zip(service.command, service.command[1:], strict=False)
        if flag in ("--token", "--app-secret")
    ]
    assert len(given) >= 9
    assert set(given) <= DEVELOPMENT_VALUES
    assert "fake-token" in DEVELOPMENT_VALUES  # the fakes' own default (tools/fakes)
    assert "fake-oidc-secret" in DEVELOPMENT_VALUES  # the fake OIDC provider's client secret


def test_problems_are_empty_for_settings_without_secrets() -> None:
    assert secret_problems(AuthSettings(environment="production")) == []
