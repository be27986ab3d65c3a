"""publish.results.v1 → the story's posts and the official accounts: what the publisher answered
for each post this service asked for (the post id, public URL and thread parts, or the failure in
words with the network's code), what became of each withdrawal (Instagram's by-hand task opened,
withdrawn, refused), and which accounts are stopped (why, since when) or posting again.

Applying an event twice changes nothing: the consumer records each event id with its effect, and
each update is guarded so a late event never moves a post back (posted stays posted, withdrawn
stays withdrawn). A result for a post this service never asked for cannot be applied: it is
poison, and the consumer sends it to the DLQ rather than inventing a post.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from nazar_contracts.publish import (
    PublishAccountResumed,
    PublishAccountStopped,
    PublishFailed,
    PublishPosted,
    PublishWithdrawalFailed,
    PublishWithdrawalTaskOpened,
    PublishWithdrawn,
)
from nazar_platform.db import Connection
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record
from pydantic import BaseModel

from story_intake.store import accounts
from story_intake.store import posts as store
from story_intake.store.accounts import AccountRow


async def _post_event(conn: Connection, data: BaseModel) -> bool | None:
    """Applies one post's event; whether the post exists (None: not a post's event)."""
    if isinstance(data, PublishPosted):
        return await store.posted(
            conn,
            uuid.UUID(data.post_id),
            provider_post_id=data.provider_post_id,
            public_url=str(data.public_url) if data.public_url else None,
            account_id=data.account_id,
            thread_post_ids=data.thread_post_ids,
            at=data.at,
        )
    if isinstance(data, PublishFailed):
        return await store.failed(
            conn,
            uuid.UUID(data.post_id),
            reason=data.reason,
            provider_code=data.provider_code,
            retryable=data.retryable,
            account_id=data.account_id,
            at=data.at,
        )
    if isinstance(data, PublishWithdrawalTaskOpened):
        return await store.task_opened(
            conn,
            uuid.UUID(data.post_id),
            task_id=uuid.UUID(data.task_id),
            reason=data.reason,
            at=data.at,
        )
    if isinstance(data, PublishWithdrawn):
        return await store.withdrawn(
            conn,
            uuid.UUID(data.post_id),
            method=data.method.value,
            confirmed_by=data.confirmed_by,
            at=data.at,
        )
    if isinstance(data, PublishWithdrawalFailed):
        return await store.withdrawal_failed(
            conn, uuid.UUID(data.post_id), reason=data.reason, code=data.provider_code, at=data.at
        )
    return None


async def apply_results(conn: Connection, records: Sequence[Record]) -> None:
    for record in records:
        data = parse_record(record)
        if isinstance(data, PublishAccountStopped):
            await accounts.set_state(
                conn,
                AccountRow(
                    data.account_id,
                    data.channel.value,
                    data.account_name,
                    "stopped",
                    data.reason,
                    data.provider_code,
                    data.at,
                ),
            )
            continue
        if isinstance(data, PublishAccountResumed):
            await accounts.set_state(
                conn,
                AccountRow(
                    data.account_id, data.channel.value, None, "active", None, None, data.at
                ),
            )
            continue
        if data is None:
            continue  # a tombstone: nothing on this topic is deleted that way
        known = await _post_event(conn, data)
        if known is None:
            continue  # another event type on the topic is not ours
        if not known:
            post_id = getattr(data, "post_id", "?")
            raise PoisonRecordError(f"no post {post_id} was requested by story-intake")
