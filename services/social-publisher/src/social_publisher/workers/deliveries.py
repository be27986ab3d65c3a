"""The publisher's Kafka consumers: the two delivery topics (flash and routine) and the sign-in
codes (auth.codes.v1) feeding the sender, and the contacts topic.

Deliveries go through the platform's idempotent consumer in batch mode
(`nazar_platform.kafka.feed`): a batch becomes intents in one transaction (`handlers.deliveries
.admit`), its new jobs go to the sender's queue, and only then are the offsets committed. A
replayed delivery finds its intent and is not sent again, so the consumer needs no processed-event
table. While the channel is down, the recorder is far behind or the sender already holds
`queue_max` jobs of this priority, the consumer pauses its partitions (and keeps polling, so the
group keeps them): the backlog stays in Kafka and drains when sending resumes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import asyncpg
from nazar_platform import db
from nazar_platform.auth.sealed import Sealer
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.feed import Feed
from nazar_platform.kafka.records import Record

from social_publisher import metrics
from social_publisher.domain.compose import Job
from social_publisher.handlers import codes
from social_publisher.handlers.contacts import apply_contacts
from social_publisher.handlers.context import Context
from social_publisher.handlers.deliveries import admit
from social_publisher.settings import PublisherSettings
from social_publisher.workers.sender import Sender


def deliveries_consumer(
    ctx: Context, sender: Sender, *, topic: str, priority: str, may_fetch: Callable[[], bool]
) -> IdempotentConsumer:
    s = ctx.settings

    async def admit_batch(conn: db.Connection, records: Sequence[Record]) -> list[Job]:
        return await admit(ctx, conn, records)

    def room() -> int:
        return s.queue_max - sender.queued(priority) if may_fetch() else 0

    return IdempotentConsumer(
        name=f"{s.consumer_group}-{priority}",
        topics=[topic],
        pool=ctx.pool,
        handler=admit_batch,
        bootstrap=s.kafka_bootstrap,
        batch_max=s.batch_max,
        session_timeout_ms=s.consumer_session_timeout_ms,
        retention=s.processed_event_retention,
        dedupe=False,  # the intents' primary key drops a replayed delivery
        merge_partitions=True,  # one transaction per poll
        feed=Feed(
            room=room,
            put=sender.enqueue,
            min_room=min(s.batch_max, s.queue_max // 2),
            on_lag=metrics.QUEUE_DEPTH.labels(priority).set,
        ),
    )


# Sign-in codes held in the pacer's code lane at most (far more than people sign in at once).
CODES_QUEUE_MAX = 1000


def codes_consumer(ctx: Context, sender: Sender, sealer: Sealer) -> IdempotentConsumer:
    """auth.codes.v1 into the pacer's code lane, which goes before flash and routine work. Its
    own group, so a backlog of deliveries never delays a code; the rows' primary key (the
    sign-in id) drops a replayed record, as the intents' do for deliveries."""
    s = ctx.settings

    async def admit_batch(conn: db.Connection, records: Sequence[Record]) -> list[Job]:
        return await codes.admit(ctx, sealer, conn, records)

    return IdempotentConsumer(
        name=f"{s.consumer_group}-codes",
        topics=[s.topic_auth_codes],
        pool=ctx.pool,
        handler=admit_batch,
        bootstrap=s.kafka_bootstrap,
        batch_max=s.consumer_batch_max,
        session_timeout_ms=s.consumer_session_timeout_ms,
        retention=s.processed_event_retention,
        dedupe=False,  # the sign_in_codes primary key drops a replayed code
        merge_partitions=True,
        feed=Feed(room=lambda: CODES_QUEUE_MAX - sender.queued("code"), put=sender.enqueue),
    )


def contacts_consumer(s: PublisherSettings, pool: asyncpg.Pool) -> IdempotentConsumer:
    return IdempotentConsumer(
        name=f"{s.consumer_group}-contacts",
        topics=[s.topic_contacts],
        pool=pool,
        handler=functools.partial(
            apply_contacts, confirmations_topic=s.topic_erasure_confirmations
        ),
        bootstrap=s.kafka_bootstrap,
        batch_max=s.consumer_batch_max,
        session_timeout_ms=s.consumer_session_timeout_ms,
        retention=s.processed_event_retention,
    )
