"""A message of a directive goes out the same way from every use case: its row, the fan-out job
that delivers it, and the event announcing it, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from nazar_platform.db import Connection
from pydantic import BaseModel

from directive.domain.ids import reply_code
from directive.domain.model import MessageKind, Origin, Text
from directive.handlers import events
from directive.handlers.common import Topics
from directive.store import directives as store
from directive.store import jobs


def origin_message(
    message_id: UUID,
    kind: MessageKind,
    text: Text,
    origin: Origin,
    priority: str,
    by: str | None,
    at: datetime,
) -> store.MessageRow:
    """A message no directive carries (a story's circulation or notice, an account notice): one
    part, nothing to acknowledge, no reply code, named by what it came from."""
    return store.MessageRow(
        id=message_id,
        directive_id=None,
        kind=kind,
        seq=1,
        title_hi=text.title_hi,
        body_hi=text.body_hi,
        title_en=text.title_en,
        body_en=text.body_en,
        ack_requested=False,
        reply_code=None,
        unit_id=None,
        created_by=by,
        created_at=at,
        origin_kind=origin.kind,
        origin_id=origin.id,
        priority=priority,
    )


def new_message(
    directive_id: UUID,
    kind: MessageKind,
    seq: int,
    text: Text,
    *,
    ack: bool,
    by: str | None,
    at: datetime,
    unit_id: str | None = None,
    message_id: UUID | None = None,
) -> store.MessageRow:
    message_id = message_id or uuid.uuid4()
    return store.MessageRow(
        id=message_id,
        directive_id=directive_id,
        kind=kind,
        seq=seq,
        title_hi=text.title_hi,
        body_hi=text.body_hi,
        title_en=text.title_en,
        body_en=text.body_en,
        ack_requested=ack,
        reply_code=reply_code(message_id),
        unit_id=unit_id,
        created_by=by,
        created_at=at,
    )


async def send(
    conn: Connection,
    topics: Topics,
    message: store.MessageRow,
    job: str,
    event: Callable[[store.MessageRow], BaseModel],
    *,
    member_ids: Sequence[str] | None = None,
    source_message_id: UUID | None = None,
    scope_units: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
) -> UUID:
    """Store `message`, its fan-out job (of kind `job`; to `member_ids`, or to everyone who got
    `source_message_id`) and `event(message)`."""
    at = message.created_at
    await store.insert_message(conn, message)
    await jobs.insert_job(
        conn,
        message.id,
        message.directive_id,
        job,
        [message.id],
        at,
        member_ids=member_ids,
        source_message_id=source_message_id,
        scope_units=scope_units,
        roles=roles,
    )
    await events.announce(conn, topics.events, (event(message), at))
    return message.id
