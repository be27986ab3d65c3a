"""Roster settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from typing import Annotated

from nazar_contracts import topics
from nazar_platform.secrets import Secret
from nazar_platform.settings import PlatformSettings
from pydantic import SecretStr

# The local and test stacks' secret; refused in any other environment (nazar_platform.secrets).
DEV_MEMBER_ID_SECRET = "nazar-dev-member-id-secret"  # noqa: S105 - a published dev default


class RosterSettings(PlatformSettings):
    service_name: str = "roster"
    http_port: int = 19101
    # Its own database on the server of NAZAR_PG_DSN, unless NAZAR_DATABASE_URL is set.
    database_name: str | None = "nazar_roster"
    # The HR export of a whole state is about 15 MB and the volunteer lists about 30 MB.
    http_max_body_bytes: int = 64 * 1024 * 1024
    # Member ids are HMAC(secret, natural key): keep it stable for a deployment, and secret.
    member_id_secret: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_MEMBER_ID_SECRET)
    # Topic names come from here so that a test can point the service at its own topics.
    topic_units: str = topics.ROSTER_UNITS
    topic_members: str = topics.ROSTER_MEMBERS
    topic_contacts: str = topics.ROSTER_CONTACTS
    topic_groups: str = topics.ROSTER_GROUPS
    topic_replies: str = topics.DISPATCH_REPLIES
    opt_out_consumer_group: str = "roster-opt-outs"

    @property
    def dev_sign_in(self) -> bool:
        return self.development
