"""Relay by the district's SP (or automatically at the deadline), and a CO's note (item 3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection

from directive import metrics
from directive.domain.model import (
    ConflictError,
    DirectiveState,
    MessageKind,
    NotFoundError,
    Text,
    is_hindi,
)
from directive.domain.tree import relay_circles
from directive.handlers import events
from directive.handlers.campaigns import make_links
from directive.handlers.common import Actor, Topics, directive_or_404
from directive.handlers.messages import new_message, send
from directive.store import directives as store
from directive.store import jobs, roster


@dataclass(frozen=True, slots=True)
class RelayResult:
    relay_id: UUID
    district_id: str
    circles: list[str]
    recipients: int


async def relay(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    district_id: str,
    circles: list[str] | None,
    note: str | None,
    actor: Actor | None,
    now: datetime,
    relay_id: UUID | None = None,
) -> RelayResult:
    """With a `relay_id` (derived from an Idempotency-Key) a repeat answers the first relay."""
    async with pool.acquire() as conn, conn.transaction():
        if relay_id is not None:
            done = await store.relay_by_id(conn, relay_id)
            if done is not None:
                recipients = await jobs.job_recipients(conn, relay_id)
                return RelayResult(relay_id, done["district_id"], done["circles"], recipients)
        return await relay_in(
            conn, topics, directive_id, district_id, circles, note, actor, now, relay_id
        )


async def relay_in(
    conn: Connection,
    topics: Topics,
    directive_id: UUID,
    district_id: str,
    circles: list[str] | None,
    note: str | None,
    actor: Actor | None,
    now: datetime,
    relay_id: UUID | None = None,
) -> RelayResult:
    """Relay inside the caller's transaction; `actor` None is the automatic relay."""
    d = await directive_or_404(conn, directive_id, lock="key share")
    if d.state != DirectiveState.ACTIVE:
        raise ConflictError(f"the directive is {d.state}", detail_hi="यह निर्देश अब सक्रिय नहीं है")
    # Relays of different districts run side by side; two of one district queue here.
    target = await store.lock_district(conn, directive_id, district_id)
    targets = (
        {}
        if target is None
        else {district_id: None if target.circles is None else frozenset(target.circles)}
    )
    existing = await roster.circles_of(conn, district_id)
    done = [
        c
        for c, row in (await store.relayed_circles(conn, directive_id)).items()
        if row["district_id"] == district_id
    ]
    chosen = sorted(relay_circles(district_id, targets, existing, circles, done))
    # The audience is the circle groups' membership at this moment, kept with the job.
    members = await roster.circle_group_members(conn, chosen)
    carried = [
        m.id
        for m in await store.messages_of(conn, directive_id)
        if m.kind in (MessageKind.ORIGINAL, MessageKind.UPDATE)
    ]
    relay_id = relay_id or uuid.uuid4()
    clean_note = (note or "").strip() or None
    by = None if actor is None else actor.member_id
    await store.insert_relay(conn, relay_id, directive_id, district_id, chosen, clean_note, by, now)
    await store.mark_district(conn, directive_id, district_id, relayed_at=now)
    # Before the job: the fan-out reads the links when it starts.
    await make_links(conn, d, district_id, chosen, now)
    await jobs.insert_job(
        conn,
        relay_id,
        directive_id,
        "relay",
        carried,
        now,
        member_ids=members,
        scope_units=chosen,
        roles=d.audience_roles,
        note=clean_note,
    )
    relayed = events.relayed(d, relay_id, district_id, chosen, clean_note, by, now)
    await events.announce(conn, topics.events, (relayed, now))
    metrics.RELAYS.labels("automatic" if actor is None else "manual").inc()
    return RelayResult(relay_id, district_id, chosen, len(members))


def _note_text(directive: store.DirectiveRow, body: str) -> Text:
    # A note is written in one language; it goes out in that language to everyone.
    if is_hindi(body):
        return Text(title_hi=f"सीओ की टिप्पणी: {directive.title}", body_hi=body)
    return Text(title_en=f"Note from the CO: {directive.title_en or directive.title}", body_en=body)


async def note(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    circle_id: str,
    body: str,
    actor: Actor,
    now: datetime,
    message_id: UUID | None = None,
) -> UUID:
    """A CO's note to the members of a circle that has received the directive."""
    async with pool.acquire() as conn, conn.transaction():
        d = await directive_or_404(conn, directive_id, lock="key share")
        if message_id is not None and await store.message_exists(conn, message_id):
            return message_id
        if d.state != DirectiveState.ACTIVE:
            raise ConflictError(f"the directive is {d.state}", detail_hi="यह निर्देश अब सक्रिय नहीं है")
        relayed = await store.relayed_circles(conn, directive_id)
        if circle_id not in relayed:
            raise NotFoundError(
                "this circle has not received the directive yet",
                detail_hi="इस वृत्त को यह निर्देश अभी नहीं भेजा गया है",
            )
        seq = await store.next_seq(conn, directive_id)
        message = new_message(
            directive_id,
            MessageKind.NOTE,
            seq,
            _note_text(d, body.strip()),
            ack=False,
            by=actor.member_id,
            at=now,
            unit_id=circle_id,
            message_id=message_id,
        )
        members = await roster.circle_group_members(conn, [circle_id])
        return await send(
            conn,
            topics,
            message,
            "note",
            events.noted,
            member_ids=members,
            scope_units=[circle_id],
            roles=d.audience_roles,
        )
