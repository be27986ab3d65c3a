"""The consumer of publish.results.v1 for the PHQ social media cell's notices: an official
account stopped (`PublishAccountStopped`) becomes a message to the cell (`handlers.accounts`).

An `IdempotentConsumer` (the processed-event row commits with the message and job it writes; a
record that does not fit its contract goes to the DLQ). Every other result on the topic — posts,
failures, withdrawals, an account resumed — is story-intake's business and is skipped by its
CloudEvents type, without being parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
from nazar_contracts import event_types as types
from nazar_contracts.publish import PublishAccountStopped
from nazar_platform.db import Connection
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record

from directive.handlers import accounts
from directive.handlers.common import utc_now
from directive.settings import DirectiveSettings
from directive.workers.consumers import Handler, directive_consumer


def accounts_handler(clock: Callable[[], datetime] = utc_now) -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        for record in records:
            if record.event is None or record.event.type != types.PUBLISH_ACCOUNT_STOPPED:
                continue
            data = parse_record(record)
            if not isinstance(data, PublishAccountStopped):
                raise PoisonRecordError("an account_stopped record without its data")
            await accounts.notify_cell(conn, data, clock())

    return handle


def accounts_consumer(
    settings: DirectiveSettings, pool: asyncpg.Pool, clock: Callable[[], datetime] = utc_now
) -> IdempotentConsumer:
    return directive_consumer(
        settings, pool, "accounts", [settings.topic_publish_results], accounts_handler(clock)
    )
