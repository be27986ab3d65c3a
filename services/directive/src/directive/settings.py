"""Settings of the directive service (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from nazar_platform.settings import PlatformSettings
from pydantic import SecretStr, model_validator


class DirectiveSettings(PlatformSettings):
    service_name: str = "directive"
    # The stack hands every service the server's DSN (NAZAR_PG_DSN); each service has its own
    # database on it. NAZAR_DATABASE_URL, when set, wins.
    pg_dsn: str | None = None
    database_name: str = "nazar_directive"

    # Topics (deploy/topics.yaml); tests point these at private topics.
    events_topic: str = "directive.events.v1"
    deliveries_topic: str = "dispatch.deliveries.v1"
    flash_deliveries_topic: str = "dispatch.deliveries.flash.v1"
    receipts_topic: str = "dispatch.receipts.v1"
    replies_topic: str = "dispatch.replies.v1"
    units_topic: str = "roster.units.v1"
    members_topic: str = "roster.members.v1"
    groups_topic: str = "roster.groups.v1"
    consumer_group_prefix: str = "directive"

    # Inbox links: opened from WhatsApp/SMS notices without a sign-in.
    # Links go out in WhatsApp/SMS notices; the contract allows https links only.
    public_base_url: str = "https://nazar.example/directive"
    inbox_link_key: SecretStr = SecretStr("local-development-inbox-link-key-change-me")
    inbox_link_ttl: timedelta = timedelta(days=14)

    attachment_dir: Path = Path(".state/directive-attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024

    fanout_batch_size: int = 5000
    fanout_compression: str | None = "zstd"
    fanout_concurrency: int = 2  # jobs fanned out side by side
    faust_datadir: Path = Path(".state/directive-faust")
    receipts_batch_max: int = 10_000
    http_port: int = 19102
    http_max_body_bytes: int = 11 * 1024 * 1024  # attachments; JSON bodies are far smaller
    scheduler_interval: timedelta = timedelta(seconds=5)
    reach_stream_interval: timedelta = timedelta(seconds=1)

    @model_validator(mode="before")
    @classmethod
    def _own_database(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url") and data.get("pg_dsn"):
            parts = urlsplit(str(data["pg_dsn"]))
            name = data.get("database_name") or "nazar_directive"
            data = {**data, "database_url": urlunsplit(parts._replace(path=f"/{name}"))}
        return data

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()
