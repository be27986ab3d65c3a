"""publish.requests.v1 and publish.results.v1: posts to the official X, Facebook and Instagram
accounts, keyed by post id (one post = one story on one channel).

story-intake asks for a post once an approver approved a story for public channels; the
social-publisher posts it and answers on publish.results.v1. Media bytes never travel through
Kafka: each creative is named by its sha256 and fetched from a signed, expiring story-intake URL.
Nothing identifying a victim or a child is in these texts: the gate ran on them before approval.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from nazar_contracts.base import Id, NazarModel, Text, UtcDatetime
from nazar_contracts.dispatch import HttpsUrl
from nazar_contracts.stories import PublicChannel

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# http is allowed for a deployment's internal address (the local stack); the publisher fetches it.
MediaUrl = Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2048)]


class PublishMedia(NazarModel):
    """One creative to attach, fetched by the publisher from story-intake."""

    sha256: Sha256
    size: int = Field(gt=0, description="bytes")
    media_type: str = Field(pattern=r"^(image|video)/[a-z0-9.+-]+$")
    url: MediaUrl = Field(description="signed story-intake URL; expires at `url_expires_at`")
    url_expires_at: UtcDatetime
    alt_text: Text | None = Field(default=None, description="what it shows, for screen readers")


class PublishRequested(NazarModel):
    """Post the approved version of a story on one channel."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    version: int = Field(ge=1, description="the approved version of this channel's text")
    text: Text = Field(description="the approved text, exactly as it is to appear")
    media: list[PublishMedia] = Field(default_factory=list, max_length=10)
    scheduled_for: UtcDatetime | None = Field(
        default=None, description="post at this instant (Facebook scheduling); None = now"
    )
    approved_by: Id
    requested_at: UtcDatetime


class PublishPosted(NazarModel):
    """The network accepted the post; `public_url` is where the public sees it."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    provider_post_id: str = Field(max_length=200)
    public_url: HttpsUrl | None = None
    at: UtcDatetime


class PublishFailed(NazarModel):
    """The post did not go out; `reason` says why in words the PHQ cell can act on."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    reason: Text
    provider_code: str | None = Field(default=None, max_length=100)
    retryable: bool = Field(description="True when trying again later may succeed")
    at: UtcDatetime
