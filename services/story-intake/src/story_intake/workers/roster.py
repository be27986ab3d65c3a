"""The consumers: roster.units.v1 (the command tree: an author's circle, district and range),
roster.members.v1 (names, postings, whether a volunteer's consent is recorded) and
publish.results.v1 (what became of each post asked for), and alert.cases.v1 (the raiser's
view of each alert's case). A record a handler can never apply
goes to `<topic>.dlq` (the platform's IdempotentConsumer)."""

from __future__ import annotations

import functools

import asyncpg
from nazar_platform.kafka.consumer import Handler, IdempotentConsumer

from story_intake.handlers.alert_cases import apply_cases
from story_intake.handlers.publish import apply_results
from story_intake.handlers.roster import apply_members, apply_units
from story_intake.settings import StoryIntakeSettings


def make_consumers(settings: StoryIntakeSettings, pool: asyncpg.Pool) -> list[IdempotentConsumer]:
    def consumer(name: str, topic: str, handler: Handler) -> IdempotentConsumer:
        return IdempotentConsumer(
            name=f"{settings.consumer_group_prefix}-{name}",
            topics=[topic],
            pool=pool,
            handler=handler,
            bootstrap=settings.kafka_bootstrap,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            retention=settings.processed_event_retention,
        )

    return [
        consumer("units", settings.topic_units, apply_units),
        consumer(
            "members",
            settings.topic_members,
            functools.partial(
                apply_members, confirmations_topic=settings.topic_erasure_confirmations
            ),
        ),
        consumer("publish-results", settings.topic_publish_results, apply_results),
        consumer("alert-cases", settings.topic_alert_cases, apply_cases),
    ]
