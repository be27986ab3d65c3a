"""The consumer of story.events.v1: an approved story's circulation, and the author's notices.

An `IdempotentConsumer` (the processed-event row commits with the messages and jobs it writes;
a record that does not fit its contract goes to the DLQ). Every other story event — submitted,
claimed, withdrawn, ... — is none of this service's business and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
from nazar_contracts.stories import (
    StoryApproved,
    StoryCirculationRequested,
    StoryForwarded,
    StoryRejected,
    StorySentBack,
)
from nazar_platform.db import Connection
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record

from directive.handlers import stories
from directive.handlers.common import utc_now
from directive.settings import DirectiveSettings
from directive.workers.consumers import Handler, directive_consumer

_STATE_CHANGES = (StoryForwarded, StorySentBack, StoryRejected, StoryApproved)


def stories_handler(clock: Callable[[], datetime] = utc_now) -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        for record in records:
            data = parse_record(record)
            if isinstance(data, StoryCirculationRequested):
                await stories.circulate(conn, data, clock())
            elif isinstance(data, _STATE_CHANGES):
                await stories.notify_author(conn, record.event_id, data, clock())

    return handle


def stories_consumer(
    settings: DirectiveSettings, pool: asyncpg.Pool, clock: Callable[[], datetime] = utc_now
) -> IdempotentConsumer:
    return directive_consumer(
        settings, pool, "stories", [settings.topic_stories], stories_handler(clock)
    )
