"""The roster consumers: the command tree (an author's circle and district) from roster.units.v1,
and members (names, postings, whether a volunteer's consent is recorded) from roster.members.v1."""

from __future__ import annotations

import asyncpg
from nazar_platform.kafka.consumer import IdempotentConsumer

from story_intake.handlers.roster import apply_members, apply_units
from story_intake.settings import StoryIntakeSettings


def make_consumers(settings: StoryIntakeSettings, pool: asyncpg.Pool) -> list[IdempotentConsumer]:
    return [
        IdempotentConsumer(
            name=f"{settings.consumer_group_prefix}-units",
            topics=[settings.topic_units],
            pool=pool,
            handler=apply_units,
            bootstrap=settings.kafka_bootstrap,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            retention=settings.processed_event_retention,
        ),
        IdempotentConsumer(
            name=f"{settings.consumer_group_prefix}-members",
            topics=[settings.topic_members],
            pool=pool,
            handler=apply_members,
            bootstrap=settings.kafka_bootstrap,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            retention=settings.processed_event_retention,
        ),
    ]
