"""Settings every Nazar process shares; each service subclasses `PlatformSettings`.

All settings come from the environment with the `NAZAR_` prefix, so one process reads exactly the
variables the stack (or a container) hands it. Secrets are `SecretStr` so they never reach a log.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAZAR_", extra="ignore", frozen=True)

    service_name: str = "nazar"
    environment: str = Field(default="local", description="local | test | production")
    log_level: str = "INFO"
    log_json: bool = True

    kafka_bootstrap: str = "127.0.0.1:19092"
    database_url: SecretStr = SecretStr("postgresql://nazar:nazar@127.0.0.1:19432/postgres")
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
    idempotency_retention: timedelta = timedelta(hours=24)
    # An in-flight key whose request died (process killed) is taken over after this long.
    idempotency_lease: timedelta = timedelta(minutes=2)
    readiness_timeout: timedelta = timedelta(seconds=2)
    startup_timeout: timedelta = timedelta(seconds=60)
    shutdown_timeout: timedelta = timedelta(seconds=20)

    # The internal metrics listener (nazar_platform.metrics_listener): /metrics on its own port,
    # never on the public one. deploy/stack and the compose file set the port; without one the
    # process serves no metrics (an app run inside a test), and 0 takes a free port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
