"""Story-intake settings (environment variables with the NAZAR_ prefix)."""

from __future__ import annotations

from datetime import timedelta

from nazar_contracts import topics
from nazar_platform.config.settings import PlatformSettings
from pydantic import Field


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
    topic_members: str = topics.ROSTER_MEMBERS
    consumer_group_prefix: str = "story-intake"
    # A reviewer's claim shows the others who works on a story; without activity it lapses, so
    # a story does not wait behind someone who went off duty.
    claim_lapse: timedelta = Field(default=timedelta(minutes=30), gt=timedelta(0))
