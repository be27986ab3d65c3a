"""The consumer of publish.requests.v1 (the platform's idempotent consumer: each event applied
once, a record that does not fit the contract dead-lettered to the topic's DLQ).

PublishRequested admits the post to its account's queue (a known post id is a no-op);
PublishWithdrawalRequested asks the queue to take the post down; PublishWithdrawalConfirmed
closes Instagram's by-hand task. Network calls never happen here: the account's driver makes
them, so that a slow network never holds the consumer's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nazar_contracts.publish import (
    PublishRequested,
    PublishWithdrawalConfirmed,
    PublishWithdrawalRequested,
)
from nazar_platform import db
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import Record, parse_record

from social_publisher.handlers import posts, withdrawals
from social_publisher.handlers.context import Context


def publish_requests_consumer(ctx: Context, wake: Callable[[str], None]) -> IdempotentConsumer:
    s = ctx.settings
    woken: list[str] = []

    async def apply(conn: db.Connection, records: Sequence[Record]) -> None:
        woken.clear()
        for record in records:
            data = parse_record(record)
            if isinstance(data, PublishRequested):
                if await posts.admit(ctx, conn, data):
                    woken.append(posts.account_for(ctx, data.channel) or "")
            elif isinstance(data, PublishWithdrawalRequested):
                await withdrawals.request(ctx, conn, data)
                woken.extend(a.account_id for a in s.social_accounts if a.network == data.channel)
            elif isinstance(data, PublishWithdrawalConfirmed):
                await withdrawals.confirm(ctx, conn, data)
        for account_id in woken:
            # Before the commit: a driver that looks too early finds nothing and polls again.
            wake(account_id)

    return IdempotentConsumer(
        name=f"{s.consumer_group}-publish-requests",
        topics=[s.topic_publish_requests],
        pool=ctx.pool,
        handler=apply,
        bootstrap=s.kafka_bootstrap,
        batch_max=s.consumer_batch_max,
        session_timeout_ms=s.consumer_session_timeout_ms,
        retention=s.processed_event_retention,
    )
