"""Secret settings fail closed: outside development, a missing or weak secret stops the service.

A setting is secret when its annotation carries `Secret`:

    inbox_link_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_INBOX_LINK_KEY)

Its default is a convenience of the `local` and `test` environments only. In any other
environment `PlatformSettings` refuses to load (so the service refuses to start) while a secret
is not set, is empty, is shorter than its minimum, or is a development value: its own default or
one of `DEVELOPMENT_VALUES`, which this repository publishes. The error names each such setting
by its environment variable and never shows a value. For a connection URL (`dsn=True`) the
secret is its password.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings

# The only environments where a secret may keep its default and dev keys sign tokens.
DEVELOPMENT_ENVIRONMENTS = frozenset({"local", "test"})

# Values anyone can read in this repository, so never a deployment's secret: the local stack's
# and the fakes' (deploy/stackctl/services.py, tools/fakes; a unit test keeps this in step), the
# stack's database password, defaults of earlier versions, and the usual placeholders. Each
# secret setting's own default is refused as well, without being listed here.
DEVELOPMENT_VALUES = frozenset(
    {
        "nazar",
        "local-whatsapp-token",
        "local-app-secret",
        "local-verify-token",
        "local-sms-key",
        "local-sms-secret",
        "local-facebook-token",
        "local-x-client-secret",
        "local-x-access-token",
        "local-x-refresh-token",
        "bmF6YXItbG9jYWwtc3RhY2stc29jaWFsLXRva2VucyE=",  # the local stack's social token key
        "local-publisher-public-media-link-key",
        "local-instagram-token",  # what the local fake Instagram accepts
        "fake-token",
        "fake-oidc-secret",  # the fake OpenID Connect provider's default client secret
        "local-development-inbox-link-key-change-me",
        "nazar-dev-member-id-secret",
        "change-me",
        "changeme",
        "password",
        "secret",
    }
)


def is_development(environment: str) -> bool:
    return environment in DEVELOPMENT_ENVIRONMENTS


@dataclass(frozen=True)
class Secret:
    """Marks a settings field as secret (see the module docstring)."""

    min_length: int = 32
    # A connection URL: its password is the secret.
    dsn: bool = False
    # May be left unset (None, or an empty list of keys); checked whenever it is given.
    optional: bool = False


class InsecureSecretsError(RuntimeError):
    """Secrets unusable in this environment. Deliberately not a ValueError: pydantic would wrap
    one in a ValidationError that prints every input value, secrets included."""

    def __init__(self, environment: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            f"refusing to start in the {environment!r} environment: {'; '.join(problems)}. "
            "Secrets have development defaults in the local and test environments only; "
            "set each of these to a long random value (docs/DEPLOYING.md)."
        )


def check_secrets(settings: BaseSettings, environment: str) -> None:
    """Raise InsecureSecretsError unless every secret of `settings` is usable in `environment`."""
    if is_development(environment):
        return
    problems = secret_problems(settings)
    if problems:
        raise InsecureSecretsError(environment, problems)


def secret_problems(settings: BaseSettings) -> list[str]:
    """One line per unusable secret setting, e.g. `NAZAR_INBOX_LINK_KEY is not set`."""
    prefix = str(settings.model_config.get("env_prefix") or "")
    problems: list[str] = []
    for name, field in type(settings).model_fields.items():
        mark = next((m for m in field.metadata if isinstance(m, Secret)), None)
        if mark is None:
            continue
        variable = f"{prefix}{name}".upper()
        values = _texts(getattr(settings, name))
        if name not in settings.model_fields_set or not values:
            if not mark.optional:
                problems.append(f"{variable} is not set")
            continue
        refused = DEVELOPMENT_VALUES | {_secret_of(d, mark) for d in _texts(field.default)}
        for value in values:
            problem = _problem(value, mark, refused)
            if problem:
                problems.append(f"{variable} {problem}")
                break
    return problems


def _texts(value: Any) -> list[str]:
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    return [
        item.get_secret_value() if isinstance(item, SecretStr) else str(item)
        for item in items
        if item is not None
    ]


def _secret_of(value: str, mark: Secret) -> str:
    if not mark.dsn:
        return value
    try:
        return _password(value) or ""
    except ValueError:
        return ""


def _password(dsn: str) -> str | None:
    """The password of a PostgreSQL URL, in its user part or its `password` parameter. A
    ValueError must not escape a validator: pydantic would print the URL with its password."""
    parts = urlsplit(dsn)
    given = parse_qs(parts.query).get("password")
    if given:
        return given[-1]
    return None if parts.password is None else unquote(parts.password)


def _problem(value: str, mark: Secret, refused: frozenset[str]) -> str | None:
    what = "is"
    if mark.dsn:
        try:
            password = _password(value)
        except ValueError:
            return "is not a connection URL"
        if password is None:
            return "has no password"
        value, what = password, "has a password that is"
    if not value.strip():
        return f"{what} empty"
    if value in refused:
        return f"{what} a development value"
    if len(value) < mark.min_length:
        return f"{what} shorter than {mark.min_length} characters"
    return None
