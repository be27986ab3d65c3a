"""Settings of the directive service (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from nazar_contracts import topics
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from pydantic import Field, SecretStr

# The local and test stacks' key; refused in any other environment (nazar_platform.config.secrets).
DEV_INBOX_LINK_KEY = "local-development-inbox-link-key-change-me"
# The attachment upload's own body limit (JSON routes keep the platform's 1 MiB): the largest
# attachment a deployment may allow plus room for the multipart framing around it.
ATTACHMENT_BODY_BYTES = 11 * 1024 * 1024
_MULTIPART_ROOM = 64 * 1024


class DirectiveSettings(PlatformSettings):
    service_name: str = "directive"
    # Its own database on the server of NAZAR_PG_DSN, unless NAZAR_DATABASE_URL is set.
    database_name: str | None = "nazar_directive"

    # Topic names come from the contracts; tests point the service at private topics.
    topic_events: str = topics.DIRECTIVE_EVENTS
    topic_deliveries: str = topics.DISPATCH_DELIVERIES
    topic_deliveries_flash: str = topics.DISPATCH_DELIVERIES_FLASH
    topic_receipts: str = topics.DISPATCH_RECEIPTS
    topic_replies: str = topics.DISPATCH_REPLIES
    topic_units: str = topics.ROSTER_UNITS
    topic_members: str = topics.ROSTER_MEMBERS
    topic_groups: str = topics.ROSTER_GROUPS
    # Its members erased (tombstones on topic_members), confirmed to the roster through the outbox.
    topic_erasure_confirmations: str = topics.ERASURE_CONFIRMATIONS
    topic_stories: str = topics.STORY_EVENTS
    topic_publish_results: str = topics.PUBLISH_RESULTS  # its accounts stopped: the cell is told
    topic_alert_events: str = topics.ALERT_EVENTS  # alerts raised in story-intake: the case
    topic_alert_cases: str = topics.ALERT_CASES  # the case's changes, for the raiser's view
    consumer_group_prefix: str = "directive"

    # Inbox links: sent in WhatsApp/SMS notices (https only, by contract), opened without a
    # sign-in.
    public_base_url: str = "https://nazar.example/directive"
    # Links are signed with the key and verified with it or any previous one (a JSON list), so
    # that a new key can be rolled out while links signed with the old one are still open; drop
    # a previous key once `inbox_link_ttl` has passed since the change.
    inbox_link_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_INBOX_LINK_KEY)
    inbox_link_previous_keys: Annotated[
        tuple[SecretStr, ...], Secret(min_length=32, optional=True)
    ] = ()
    inbox_link_ttl: timedelta = timedelta(days=14)

    attachment_dir: Path = Path(".state/directive-attachments")
    attachment_max_bytes: Annotated[
        int, Field(gt=0, le=ATTACHMENT_BODY_BYTES - _MULTIPART_ROOM)
    ] = 10 * 1024 * 1024

    fanout_batch_size: int = 5000
    fanout_compression: str | None = "zstd"
    fanout_concurrency: int = 2  # jobs fanned out side by side
    faust_datadir: Path = Path(".state/directive-faust")
    receipts_batch_max: int = 10_000
    http_port: int = 19102
    scheduler_interval: timedelta = timedelta(seconds=5)
    # A circle whose members a provider has not taken yet when its acknowledgement window ends is
    # held (its clock restarts) for at most this long from its relay: a receipt that never comes
    # must not silence a circle for good (domain/escalation.py).
    ack_hold_max: timedelta = timedelta(hours=6)
    # How often the scheduler's leader refreshes the reach dashboard's gauges (an aggregate over
    # the last day's counters: not for every tick).
    reach_gauge_interval: timedelta = timedelta(seconds=30)
    # How often the runner of stories' fan-out jobs looks for new ones (circulations, notices).
    circulation_interval: timedelta = timedelta(seconds=1)
    reach_stream_interval: timedelta = timedelta(seconds=1)

    # Field alerts (issue 15), in seconds so a stack can shorten them: an unacknowledged `soon`
    # alert goes to the SP after the first, then to the range IG after the second; an
    # `immediate` one to the range IG after the third.
    alert_soon_to_sp_after: float = Field(default=3600.0, gt=0)
    alert_soon_to_ig_after: float = Field(default=3600.0, gt=0)
    alert_immediate_to_ig_after: float = Field(default=600.0, gt=0)
    # How often the escalation loop looks for cases due; how often the alert runner looks for
    # jobs when no notification woke it (a notification wakes it at once).
    alert_escalation_interval: timedelta = timedelta(seconds=5)
    alert_runner_interval: timedelta = timedelta(seconds=1)

    # Campaigns (issue 14, item 6): the hosts a campaign's public post may be on (the official
    # accounts' networks), https only. Each circle it is relayed to gets a tracked link
    # `<public_base_url>/c/<code>` to it.
    campaign_post_hosts: tuple[str, ...] = (
        "x.com",
        "twitter.com",
        "www.facebook.com",
        "facebook.com",
        "www.instagram.com",
        "instagram.com",
    )

    @property
    def dsn(self) -> str:
        return self.database_url.get_secret_value()

    @property
    def inbox_link_keys(self) -> tuple[bytes, ...]:
        """The signing key first, then the previous keys links are still verified with."""
        keys = (self.inbox_link_key, *self.inbox_link_previous_keys)
        return tuple(k.get_secret_value().encode() for k in keys)
