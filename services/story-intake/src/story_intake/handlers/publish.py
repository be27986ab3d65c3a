"""publish.results.v1 → the story's posts: what the publisher answered for each post this service
asked for (the post id and public URL, or the failure in words).

A result for a post this service never asked for cannot be applied: it is poison, and the
consumer sends it to the DLQ rather than inventing a post.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from nazar_contracts.publish import PublishFailed, PublishPosted
from nazar_platform.db import Connection
from nazar_platform.kafka.consumer import PoisonRecordError, Record
from nazar_platform.kafka.records import parse_record

from story_intake.store import cell as store


async def apply_results(conn: Connection, records: Sequence[Record]) -> None:
    for record in records:
        data = parse_record(record)
        if isinstance(data, PublishPosted):
            known = await store.post_result(
                conn,
                uuid.UUID(data.post_id),
                posted=True,
                provider_post_id=data.provider_post_id,
                public_url=str(data.public_url) if data.public_url else None,
                reason=None,
                retryable=None,
                at=data.at,
            )
        elif isinstance(data, PublishFailed):
            known = await store.post_result(
                conn,
                uuid.UUID(data.post_id),
                posted=False,
                provider_post_id=None,
                public_url=None,
                reason=data.reason,
                retryable=data.retryable,
                at=data.at,
            )
        else:
            continue  # another event type on the topic is not ours
        if not known:
            raise PoisonRecordError(f"no post {data.post_id} was requested by story-intake")
