"""Issue, update and cancel a directive (issue 6, item 1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
from nazar_platform.db import Connection

from directive import metrics
from directive.domain import audience, priorities
from directive.domain.model import (
    ConflictError,
    Deadlines,
    DirectiveKind,
    DirectiveState,
    InvalidRequestError,
    MessageKind,
    RelayMode,
    Text,
)
from directive.domain.texts import cancellation_text
from directive.domain.tree import resolve_targets
from directive.handlers import events
from directive.handlers.common import Actor, Topics, directive_or_404
from directive.handlers.messages import new_message, send
from directive.store import attachments as attachment_store
from directive.store import directives as store
from directive.store import roster


@dataclass(frozen=True, slots=True)
class IssueCommand:
    text: Text
    priority: priorities.Priority = priorities.Priority.ROUTINE
    kind: DirectiveKind = DirectiveKind.DIRECTIVE
    audience_units: list[str] = field(default_factory=list)
    audience_roles: list[str] | None = None
    ack_required: bool = True
    relay_mode: RelayMode = RelayMode.MANUAL
    relay_deadline: timedelta | None = None
    ack_window: timedelta | None = None
    ack_threshold: float | None = None
    expires_at: datetime | None = None
    attachment_ids: list[UUID] = field(default_factory=list)
    # A campaign's public post, already checked (`domain.campaigns.campaign_post_url`).
    public_post_url: str | None = None


async def issue(
    pool: asyncpg.Pool,
    topics: Topics,
    cmd: IssueCommand,
    actor: Actor,
    now: datetime,
    directive_id: UUID | None = None,
) -> UUID:
    """Issue a directive; with a `directive_id` (derived from an Idempotency-Key), issuing it
    again is a no-op that answers the same id."""
    deadlines = priorities.deadlines(
        cmd.priority,
        now,
        relay_deadline=cmd.relay_deadline,
        ack_window=cmd.ack_window,
        ack_threshold=cmd.ack_threshold,
        expires_at=cmd.expires_at,
    )
    directive_id = directive_id or uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        if await store.get_directive(conn, directive_id) is not None:
            return directive_id
        tree = await roster.load_tree(conn)
        targets = resolve_targets(cmd.audience_units, tree)
        attachments = await _attachments(conn, cmd.attachment_ids)
        original = new_message(
            directive_id,
            MessageKind.ORIGINAL,
            1,
            cmd.text,
            ack=cmd.ack_required,
            by=actor.member_id,
            at=now,
            message_id=uuid.uuid5(directive_id, "original"),
        )
        d = _directive(directive_id, cmd, deadlines, actor, original.id, now)
        await store.insert_directive(conn, d)
        await store.insert_districts(
            conn,
            directive_id,
            [
                (
                    district,
                    r.id if (r := tree.range_of(district)) is not None else None,
                    None if circles is None else sorted(circles),
                )
                for district, circles in targets.items()
            ],
        )
        # "adg": ADG Crime is among them; `issue_recipients` keeps no other ADG.
        candidates = await roster.members_with_roles(
            conn, [*audience.STATE_ROLES, "adg", "sp", "ig"]
        )
        recipients = audience.issue_recipients(
            (m.domain() for m in candidates), targets, tree, issuer_id=actor.member_id
        )
        await send(
            conn,
            topics,
            original,
            "issue",
            lambda _: events.issued(d, attachments, actor.role),
            member_ids=[m.id for m in recipients],
        )
    metrics.ISSUED.labels(cmd.priority).inc()
    return directive_id


async def _attachments(conn: Connection, ids: list[UUID]) -> list[attachment_store.AttachmentRow]:
    found = await attachment_store.attachments(conn, ids)
    missing = set(ids) - {a.id for a in found}
    if missing:
        raise InvalidRequestError(
            f"unknown attachments {sorted(map(str, missing))}",
            detail_hi="कुछ संलग्नक नहीं मिले",
        )
    return found


def _directive(
    directive_id: UUID,
    cmd: IssueCommand,
    deadlines: Deadlines,
    actor: Actor,
    original_message_id: UUID,
    now: datetime,
) -> store.DirectiveRow:
    return store.DirectiveRow(
        id=directive_id,
        kind=cmd.kind,
        state=DirectiveState.ACTIVE,
        priority=cmd.priority,
        title_hi=cmd.text.title_hi,
        body_hi=cmd.text.body_hi,
        title_en=cmd.text.title_en,
        body_en=cmd.text.body_en,
        audience_units=list(cmd.audience_units),
        audience_roles=cmd.audience_roles,
        ack_required=cmd.ack_required,
        relay_mode=cmd.relay_mode,
        relay_deadline=deadlines.relay_deadline,
        ack_window=deadlines.ack_window,
        ack_threshold=deadlines.ack_threshold,
        expires_at=deadlines.expires_at,
        attachment_ids=list(cmd.attachment_ids),
        issued_by=actor.member_id,
        issued_by_unit=actor.unit_id,
        issued_at=now,
        original_message_id=original_message_id,
        first_request_at=None,
        last_request_at=None,
        cancelled_at=None,
        closed_at=None,
        version=1,
        public_post_url=cmd.public_post_url if cmd.kind == DirectiveKind.CAMPAIGN else None,
    )


async def update(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    text: Text,
    expires_at: datetime | None,
    actor: Actor,
    now: datetime,
    message_id: UUID | None = None,
) -> UUID:
    """A new message with the new text to everyone who got the original (and, through later
    relays, to everyone who will)."""
    async with pool.acquire() as conn, conn.transaction():
        d = await directive_or_404(conn, directive_id, lock="update")
        if message_id is not None and await store.message_exists(conn, message_id):
            return message_id
        _must_be_active(d)
        if expires_at is not None and expires_at <= now:
            raise InvalidRequestError(
                "the expiry must lie in the future",
                detail_hi="समाप्ति का समय भविष्य में होना चाहिए",
            )
        seq = await store.next_seq(conn, directive_id)
        message = new_message(
            directive_id,
            MessageKind.UPDATE,
            seq,
            text,
            ack=d.ack_required,
            by=actor.member_id,
            at=now,
            message_id=message_id,
        )
        await store.update_text(conn, directive_id, text, expires_at)
        return await send(
            conn,
            topics,
            message,
            "update",
            events.updated,
            source_message_id=d.original_message_id,
        )


async def cancel(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    reason: str | None,
    actor: Actor,
    now: datetime,
    message_id: UUID | None = None,
) -> UUID:
    """A cancellation message to everyone who got the original."""
    async with pool.acquire() as conn, conn.transaction():
        d = await directive_or_404(conn, directive_id, lock="update")
        if message_id is not None and await store.message_exists(conn, message_id):
            return message_id
        _must_be_active(d)
        seq = await store.next_seq(conn, directive_id)
        message = new_message(
            directive_id,
            MessageKind.CANCELLATION,
            seq,
            cancellation_text(d.title_hi, d.title_en, reason),
            ack=False,
            by=actor.member_id,
            at=now,
            message_id=message_id,
        )
        await store.set_state(conn, directive_id, DirectiveState.CANCELLED, now, "cancelled_at")
        return await send(
            conn,
            topics,
            message,
            "cancel",
            lambda m: events.cancelled(m, reason),
            source_message_id=d.original_message_id,
        )


def _must_be_active(d: store.DirectiveRow) -> None:
    if d.state != DirectiveState.ACTIVE:
        raise ConflictError(f"the directive is {d.state}", detail_hi="यह निर्देश अब सक्रिय नहीं है")
