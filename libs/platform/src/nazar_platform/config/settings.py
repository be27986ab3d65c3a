"""Settings every Nazar process shares; each service subclasses `PlatformSettings`.

All settings come from the environment with the `NAZAR_` prefix, so one process reads exactly the
variables the stack (or a container) hands it; a secret may instead come from the file that
`NAZAR_<SETTING>_FILE` names (nazar_platform.config.secret_files), as a deployment gives them.
Secrets are `SecretStr` so they never reach a log, and are marked `Secret`
(nazar_platform.config.secrets) so that outside the local and test environments the settings
refuse to load while one is missing, empty, short or a development value.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Self
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nazar_platform.config.secret_files import SecretFileError, SecretFilesSource
from nazar_platform.config.secrets import Secret, check_secrets, is_development

DEV_DATABASE_URL = "postgresql://nazar:nazar@127.0.0.1:19432/postgres"


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAZAR_", extra="ignore", frozen=True)

    service_name: str = "nazar"
    environment: str = Field(
        default="local", description="local | test (development) | production, or any other name"
    )
    log_level: str = "INFO"
    log_json: bool = True

    kafka_bootstrap: str = "127.0.0.1:19092"
    database_url: Annotated[SecretStr, Secret(min_length=16, dsn=True)] = SecretStr(
        DEV_DATABASE_URL
    )
    # Without NAZAR_DATABASE_URL, a service uses its own database (`database_name`) on the server
    # of NAZAR_PG_DSN, as `deploy/stack` hands it to every service.
    pg_dsn: Annotated[SecretStr | None, Secret(min_length=16, dsn=True, optional=True)] = None
    # The password of NAZAR_DATABASE_URL, given apart (a deployment's URL names no secret and the
    # password comes from the file the database's own role was created with).
    database_password: Annotated[SecretStr | None, Secret(min_length=16, optional=True)] = None
    database_name: str | None = None
    database_pool_min: int = 2
    database_pool_max: int = 10

    outbox_batch_size: int = 5000
    outbox_poll_interval: timedelta = timedelta(milliseconds=500)
    outbox_retention: timedelta = timedelta(days=7)

    consumer_batch_max: int = 1000
    consumer_session_timeout_ms: int = 10_000
    processed_event_retention: timedelta = timedelta(days=14)

    # HTTP (nazar_platform.service). deploy/stack passes NAZAR_HTTP_PORT; a container sets
    # NAZAR_HTTP_HOST=0.0.0.0.
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http_max_body_bytes: int = 1024 * 1024
    # Where every problem document's `type` points (nazar_platform.http.problems).
    problem_type_base: str = "https://nazar.example/problems/"
    idempotency_retention: timedelta = timedelta(hours=24)
    # An in-flight key whose request died (process killed) is taken over after this long.
    idempotency_lease: timedelta = timedelta(minutes=2)
    readiness_timeout: timedelta = timedelta(seconds=2)
    startup_timeout: timedelta = timedelta(seconds=60)
    shutdown_timeout: timedelta = timedelta(seconds=20)

    # The internal metrics listener (nazar_platform.observability.metrics_listener): /metrics on
    # its own port, never on the public one. deploy/stack and the compose file set the port;
    # without one the process serves no metrics (an app run inside a test), and 0 takes a free port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _own_database_on_the_stack_server(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url") and data.get("pg_dsn"):
            dsn = data["pg_dsn"]
            dsn = dsn.get_secret_value() if isinstance(dsn, SecretStr) else str(dsn)
            name = data.get("database_name") or cls.model_fields["database_name"].default
            if name:
                dsn = urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))
            data = {**data, "database_url": dsn}
        if isinstance(data, dict) and data.get("database_password") and data.get("database_url"):
            data = {**data, "database_url": _with_password(data["database_url"], data)}
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            SecretFilesSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    @model_validator(mode="after")
    def _secrets_fail_closed(self) -> Self:
        check_secrets(self, self.environment)
        return self

    @property
    def development(self) -> bool:
        """`local` or `test`: secrets may keep their defaults, dev keys and dev sign-in work."""
        return is_development(self.environment)


def _with_password(url: Any, data: dict[str, Any]) -> str:
    """`url` with the password of NAZAR_DATABASE_PASSWORD in its user part."""
    text = url.get_secret_value() if isinstance(url, SecretStr) else str(url)
    given = data["database_password"]
    password = given.get_secret_value() if isinstance(given, SecretStr) else str(given)
    parts = urlsplit(text)
    if parts.password is not None or "password=" in parts.query:
        raise SecretFileError(
            "NAZAR_DATABASE_URL has a password and NAZAR_DATABASE_PASSWORD is set: give it once"
        )
    if not parts.username:
        raise SecretFileError("NAZAR_DATABASE_PASSWORD is set but NAZAR_DATABASE_URL names no user")
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
