"""An official account as the queue sees it: who it is, whether it may post, its tokens' age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from social_publisher.domain.social import Network


@dataclass(frozen=True)
class Account:
    account_id: str
    network: Network
    name: str
    provider_account_id: str
    handle: str
    daily_cap: int | None
    stopped: bool
    stopped_code: str | None
    stopped_reason: str | None
    token_expires_at: datetime | None
    token_version: int
    has_token: bool

    def days_to_expiry(self, now: datetime) -> float | None:
        if self.token_expires_at is None:
            return None
        return (self.token_expires_at - now).total_seconds() / 86_400


@dataclass(frozen=True)
class TokenPair:
    """Plain tokens, only ever in memory for a call or a refresh."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
