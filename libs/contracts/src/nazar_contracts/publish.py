"""publish.requests.v1 and publish.results.v1: posts to the official X, Facebook and Instagram
accounts, keyed by post id (one post = one story on one channel).

story-intake asks for a post once an approver approved a story for public channels; the
social-publisher posts it and answers on publish.results.v1. Media bytes never travel through
Kafka: each creative is named by its sha256 and fetched from a signed, expiring story-intake URL.
Nothing identifying a victim or a child is in these texts: the gate ran on them before approval.
"""

from __future__ import annotations

from enum import StrEnum
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


class Overflow(StrEnum):
    """What the publisher does with a text longer than the network allows (X: 280 weighted)."""

    REFUSE = "refuse"  # fail the post back to the cell, which shortens the version
    THREAD = "thread"  # split it into a numbered thread (X only; other networks refuse)


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
    overflow: Overflow | None = Field(
        default=None, description="a text over the network's limit: None or refuse = fail it back"
    )


class PublishPosted(NazarModel):
    """The network accepted the post; `public_url` is where the public sees it."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    provider_post_id: str = Field(max_length=200)
    public_url: HttpsUrl | None = None
    at: UtcDatetime
    account_id: str | None = Field(default=None, max_length=100, description="our account key")
    thread_post_ids: list[str] = Field(
        default_factory=list, description="X threads: every part's id in order, the first included"
    )


class PublishFailed(NazarModel):
    """The post did not go out; `reason` says why in words the PHQ cell can act on."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    reason: Text
    provider_code: str | None = Field(default=None, max_length=100)
    retryable: bool = Field(description="True when trying again later may succeed")
    at: UtcDatetime
    account_id: str | None = Field(default=None, max_length=100, description="our account key")


class PublishWithdrawalRequested(NazarModel):
    """The cell takes a published post down (publish.requests.v1, keyed by post id)."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    reason: Text
    requested_by: Id
    requested_at: UtcDatetime


class WithdrawalMethod(StrEnum):
    API = "api"  # deleted through the network's API (X, Facebook)
    BY_HAND = "by_hand"  # a person deleted it in the app and confirmed (Instagram)


class PublishWithdrawalTaskOpened(NazarModel):
    """Instagram's API cannot delete a post: a person must, in the app; the task stays open until
    they confirm (then `PublishWithdrawn` with method by_hand)."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    task_id: Id
    public_url: HttpsUrl | None = None
    reason: Text
    at: UtcDatetime


class PublishWithdrawalConfirmed(NazarModel):
    """A person of the cell says they deleted the post by hand, closing the task
    (publish.requests.v1, keyed by post id)."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    task_id: Id
    confirmed_by: Id
    confirmed_at: UtcDatetime


class PublishWithdrawn(NazarModel):
    """The post is no longer public."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    method: WithdrawalMethod
    confirmed_by: Id | None = Field(default=None, description="who confirmed a by-hand deletion")
    at: UtcDatetime


class PublishWithdrawalFailed(NazarModel):
    """The network refused to delete the post; `reason` says what the cell can do."""

    post_id: Id
    story_id: Id
    channel: PublicChannel
    reason: Text
    provider_code: str | None = Field(default=None, max_length=100)
    at: UtcDatetime


class PublishAccountStopped(NazarModel):
    """An account cannot post until a person acts (token invalid or revoked, refresh failed,
    blocked for policy, permission lost); keyed by account id. Its queued posts wait."""

    account_id: str = Field(max_length=100)
    channel: PublicChannel
    account_name: Text
    reason: Text
    provider_code: str | None = Field(default=None, max_length=100)
    at: UtcDatetime


class PublishAccountResumed(NazarModel):
    """The account posts again (reconnected or unblocked); keyed by account id."""

    account_id: str = Field(max_length=100)
    channel: PublicChannel
    at: UtcDatetime
