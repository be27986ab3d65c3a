"""The contract each network client keeps (X, Facebook Pages, Instagram), and its one error.

Clients are stateless apart from their HTTP session: the queue hands them the account's access
(token decrypted for the call) and the post; everything they learn (rate-limit headers, quota)
comes back in `Published`, `SocialError` or `AccountLimits`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from social_publisher.domain.social import (
    AccountAccess,
    Network,
    PostRequest,
    Published,
    RemotePost,
    SocialError,
)


class SocialCallError(Exception):
    def __init__(self, error: SocialError) -> None:
        super().__init__(f"{error.network} {error.kind} {error.code}: {error.reason}")
        self.error = error


@dataclass(frozen=True)
class AccountLimits:
    """What the network says is left; None where it does not say."""

    remaining: int | None = None  # posts (or calls) left in the current window
    resets_at: datetime | None = None
    quota_total: int | None = None  # Instagram's rolling 24 h content publishing limit
    quota_window: timedelta | None = None  # the rolling period `quota_total` counts over
    # Networks that report a share of their limits instead of a count (Facebook's usage headers):
    # the highest share used, 0-100, and how long to leave between this account's calls now.
    usage_percent: int | None = None
    pace: timedelta | None = None


class SocialClient(Protocol):
    network: Network

    async def publish(self, access: AccountAccess, post: PostRequest) -> Published:
        """Post it (upload the media first); raise `SocialCallError` on any failure."""
        ...

    async def recent_posts(self, access: AccountAccess, since: datetime) -> Sequence[RemotePost]:
        """The account's own posts since `since`, newest first (reconciliation)."""
        ...

    async def delete(self, access: AccountAccess, provider_post_id: str) -> bool:
        """Delete a post; False when the network's API cannot (Instagram)."""
        ...

    async def limits(self, access: AccountAccess) -> AccountLimits: ...
