"""A read model's confirmation that it erased members: one event per member on
erasure.confirmations.v1, written in the transaction that deleted the read model's copy.

    erased = [...]                                  # tombstones of this batch
    await store.delete(conn, erased)
    await confirm_erasures(conn, erased, ReadModel.STORY_INTAKE, topic=settings_topic)

The roster consumes the topic and shows, per erasure request, when each read model confirmed.
A replayed tombstone confirms again; the roster keeps the first confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from nazar_contracts.erasures import ErasureConfirmed, ReadModel
from nazar_contracts.topics import ERASURE_CONFIRMATIONS

from nazar_platform import db
from nazar_platform.outbox.events import outbox_event
from nazar_platform.outbox.publisher import enqueue


async def confirm_erasures(
    conn: db.Connection,
    member_ids: Sequence[str],
    read_model: ReadModel,
    *,
    topic: str = ERASURE_CONFIRMATIONS,
) -> int:
    """Enqueue one `nazar.erasure.confirmed.v1` per member; the number enqueued."""
    if not member_ids:
        return 0
    at = datetime.now(UTC)
    source = f"/nazar/{read_model.value}"
    return await enqueue(
        conn,
        [
            outbox_event(
                ErasureConfirmed(member_id=m, read_model=read_model, confirmed_at=at),
                source=source,
                topic=topic,
            )
            for m in dict.fromkeys(member_ids)
        ],
    )
