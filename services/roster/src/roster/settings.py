"""Roster settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

from nazar_contracts import topics
from nazar_platform.settings import PlatformSettings
from pydantic import Field, SecretStr, model_validator

DEV_MEMBER_ID_SECRET = "nazar-dev-member-id-secret"  # noqa: S105 - a published dev default


class RosterSettings(PlatformSettings):
    service_name: str = "roster"
    http_port: int = 19101
    # Without NAZAR_DATABASE_URL, the roster uses its own database on the stack's server
    # (NAZAR_PG_DSN, as `deploy/stack` hands it).
    pg_dsn: SecretStr | None = None
    database_name: str = "nazar_roster"
    # The HR export of a whole state is about 15 MB and the volunteer lists about 30 MB.
    http_max_body_bytes: int = 64 * 1024 * 1024
    # Member ids are HMAC(secret, natural key): keep it stable for a deployment, and secret.
    member_id_secret: SecretStr = SecretStr(DEV_MEMBER_ID_SECRET)
    # Topic names come from here so that a test can point the service at its own topics.
    topic_units: str = topics.ROSTER_UNITS
    topic_members: str = topics.ROSTER_MEMBERS
    topic_contacts: str = topics.ROSTER_CONTACTS
    topic_groups: str = topics.ROSTER_GROUPS
    topic_replies: str = topics.DISPATCH_REPLIES
    opt_out_consumer_group: str = "roster-opt-outs"
    # A full sync that would deactivate more than this share of the area's active members of the
    # list's kind needs a second officer's confirmation besides the uploader's.
    full_sync_second_officer_above: float = Field(default=0.10, ge=0, le=1)
    # How long a full sync's review waits for its confirmations before it expires.
    full_sync_confirm_within: timedelta = timedelta(hours=24)

    @model_validator(mode="before")
    @classmethod
    def _database_on_the_stack_server(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url") and data.get("pg_dsn"):
            dsn = data["pg_dsn"]
            dsn = dsn.get_secret_value() if isinstance(dsn, SecretStr) else str(dsn)
            name = data.get("database_name") or "nazar_roster"
            data = {**data, "database_url": urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))}
        return data

    @model_validator(mode="after")
    def _real_secret_in_production(self) -> Self:
        if self.environment == "production" and (
            self.member_id_secret.get_secret_value() == DEV_MEMBER_ID_SECRET
        ):
            raise ValueError("set NAZAR_MEMBER_ID_SECRET in production")
        return self

    @property
    def dev_sign_in(self) -> bool:
        return self.environment in ("local", "test")
