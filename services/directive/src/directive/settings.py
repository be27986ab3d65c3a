"""Settings of the directive service (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nazar_platform.settings import PlatformSettings
from pydantic import SecretStr


class DirectiveSettings(PlatformSettings):
    service_name: str = "directive"
    http_host: str = "127.0.0.1"
    http_port: int = 19102
    # The stack hands every service the server's DSN (NAZAR_PG_DSN); each service has its own
    # database on it. NAZAR_DATABASE_URL, when set, wins.
    pg_dsn: str | None = None
    database_name: str = "nazar_directive"
    database_url_override: str | None = None

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
    public_base_url: str = "http://127.0.0.1:19102"
    inbox_link_key: SecretStr = SecretStr("local-development-inbox-link-key-change-me")
    inbox_link_ttl: timedelta = timedelta(days=14)

    attachment_dir: Path = Path(".state/directive-attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024

    fanout_batch_size: int = 5000
    fanout_compression: str | None = "zstd"
    fanout_concurrency: int = 4  # jobs fanned out side by side
    faust_datadir: Path = Path(".state/directive-faust")
    receipts_batch_max: int = 5000
    scheduler_interval: timedelta = timedelta(seconds=5)
    reach_stream_interval: timedelta = timedelta(seconds=1)

    @property
    def dsn(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        base = self.pg_dsn or self.database_url.get_secret_value()
        parts = urlsplit(base)
        return urlunsplit(parts._replace(path=f"/{self.database_name}"))
