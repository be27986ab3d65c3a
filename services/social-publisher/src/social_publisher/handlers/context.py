"""What every use case of the publisher needs: the pool, the settings and the retry policy."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from social_publisher.domain.outcomes import RetryPolicy
from social_publisher.settings import PublisherSettings


def policy_from(s: PublisherSettings) -> RetryPolicy:
    return RetryPolicy(
        base=s.retry_base.total_seconds(),
        cap=s.retry_cap.total_seconds(),
        max_attempts=s.retry_max_attempts,
        back_off_base=s.back_off_base.total_seconds(),
        back_off_cap=max(s.back_off_base.total_seconds(), 3600.0),
        recipient_hold=s.recipient_hold.total_seconds(),
    )


@dataclass(frozen=True)
class Context:
    pool: asyncpg.Pool
    settings: PublisherSettings
    policy: RetryPolicy

    @classmethod
    def of(cls, pool: asyncpg.Pool, settings: PublisherSettings) -> Context:
        return cls(pool, settings, policy_from(settings))
