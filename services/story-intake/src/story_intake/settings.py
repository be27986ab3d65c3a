"""Story-intake settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from nazar_contracts import topics
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from pydantic import Field, SecretStr

# The local and test stacks' key; refused in any other environment (nazar_platform.config.secrets).
DEV_MEDIA_LINK_KEY = "local-development-story-media-link-key"
# The photo and creative uploads' own body limit (JSON routes keep the platform's 1 MiB): the
# largest image a deployment may allow plus room for the multipart framing around it.
UPLOAD_BODY_BYTES = 16 * 1024 * 1024
_MULTIPART_ROOM = 64 * 1024


class StoryIntakeSettings(PlatformSettings):
    service_name: str = "story-intake"
    http_port: int = 19104
    # Its own database on the server of NAZAR_PG_DSN, unless NAZAR_DATABASE_URL is set.
    database_name: str | None = "nazar_story"
    # The longest text the gate takes in one request (a press note is a few thousand characters;
    # a whole day's district bulletin stays well below this).
    gate_max_text_chars: int = Field(default=100_000, ge=1, le=1_000_000)
    # Topics (deploy/topics.yaml); tests point these at private topics.
    topic_units: str = topics.ROSTER_UNITS
    topic_publish_results: str = topics.PUBLISH_RESULTS
    topic_members: str = topics.ROSTER_MEMBERS
    # Members erased (tombstones), confirmed to the roster through the outbox.
    topic_erasure_confirmations: str = topics.ERASURE_CONFIRMATIONS
    topic_alert_cases: str = topics.ALERT_CASES
    consumer_group_prefix: str = "story-intake"
    # A reviewer's claim shows the others who works on a story; without activity it lapses, so
    # a story does not wait behind someone who went off duty.
    claim_lapse: timedelta = Field(default=timedelta(minutes=30), gt=timedelta(0))
    # The most hashtags an Instagram caption of the cell may carry (Instagram's own limit is 30;
    # a police account's post reads better with a few).
    instagram_hashtag_limit: int = Field(default=5, ge=0, le=30)

    # Photos and creatives. Field apps downscale to 2,048 px before sending; these refuse what
    # no phone would send and what would exhaust the memory when decoded.
    photo_max_bytes: Annotated[int, Field(gt=0, le=UPLOAD_BODY_BYTES - _MULTIPART_ROOM)] = (
        15_000_000
    )
    photo_max_pixels: int = Field(default=40_000_000, gt=0, le=200_000_000)
    photos_per_story: int = Field(default=10, ge=1, le=50)
    photo_thumb_px: int = Field(default=320, ge=32, le=2048)
    photo_web_px: int = Field(default=1280, ge=256, le=4096)
    # Images decoded at once in this process (each may take ~4 bytes a pixel): beyond, uploads wait.
    image_workers: int = Field(default=2, ge=1, le=32)
    # Where the files are kept: `local` (a folder, a volume in compose) or `s3` (an S3-compatible
    # object store: MinIO, Ceph, AWS).
    media_store: Literal["local", "s3"] = "local"
    media_dir: Path = Path(".state/story-media")
    s3_endpoint: str = "localhost:9000"  # host[:port]
    s3_secure: bool = True
    s3_region: str | None = None
    s3_bucket: str = "nazar-story-media"
    s3_access_key: Annotated[SecretStr, Secret(min_length=3, optional=True)] = SecretStr("")
    s3_secret_key: Annotated[SecretStr, Secret(min_length=8, optional=True)] = SecretStr("")
    # Media URLs (`/api/v1/media/{sha256}?token=`): the only way other services and the console
    # get a file. Signed with the key, verified with it or any previous one (a JSON list), so a
    # new key can be rolled out while URLs signed with the old one are still open.
    public_base_url: str = "http://127.0.0.1:19104"
    media_link_key: Annotated[SecretStr, Secret(min_length=32)] = SecretStr(DEV_MEDIA_LINK_KEY)
    media_link_previous_keys: Annotated[
        tuple[SecretStr, ...], Secret(min_length=32, optional=True)
    ] = ()
    # Long enough for a publish request to wait out a network's outage.
    media_link_ttl: timedelta = Field(default=timedelta(days=3), gt=timedelta(0))
    # Files of rejected and withdrawn stories are deleted this long after the story closed.
    media_retention: timedelta = Field(default=timedelta(days=30), ge=timedelta(0))
    retention_interval: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))
    # An alert's `raised_at` may be this far ahead of the server's clock (a phone's clock is
    # rarely exact); further ahead is refused. Past times are kept: an alert raised offline.
    alert_clock_slack: timedelta = Field(
        default=timedelta(minutes=2), ge=timedelta(0), le=timedelta(hours=1)
    )
    # The directive console (another origin), where an approved story's circulation reach shows;
    # the moderation console links there when this is set (e.g. https://directive.example).
    directive_console_url: str | None = None

    @property
    def media_link_keys(self) -> tuple[bytes, ...]:
        """The signing key first, then the previous keys URLs are still verified with."""
        keys = (self.media_link_key, *self.media_link_previous_keys)
        return tuple(k.get_secret_value().encode() for k in keys)
