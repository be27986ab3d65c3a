"""Issue, update and cancel a directive (issue 6, item 1)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from uuid import UUID

import asyncpg
from nazar_contracts.directives import (
    Attachment,
    Audience,
    AudienceScope,
    DirectiveCancelled,
    DirectiveIssued,
    DirectiveUpdated,
)
from nazar_contracts.vocabulary import Role
from nazar_platform import outbox

from directive import metrics
from directive.domain import audience, priorities
from directive.domain.ids import reply_code
from directive.domain.model import (
    ConflictError,
    DirectiveKind,
    DirectiveState,
    InvalidRequestError,
    MessageKind,
    RelayMode,
    Text,
    bilingual,
)
from directive.domain.texts import cancellation_text
from directive.domain.tree import resolve_targets
from directive.handlers import events
from directive.handlers.common import Actor, Topics, directive_or_404
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


def _message(
    directive_id: UUID,
    kind: MessageKind,
    seq: int,
    text: Text,
    ack: bool,
    actor: str | None,
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
        created_by=actor,
        created_at=at,
    )


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
        attachments = await attachment_store.attachments(conn, cmd.attachment_ids)
        if len(attachments) != len(set(cmd.attachment_ids)):
            missing = set(cmd.attachment_ids) - {a.id for a in attachments}
            if missing:
                raise InvalidRequestError(
                    f"unknown attachments {sorted(map(str, missing))}",
                    detail_hi="कुछ संलग्नक नहीं मिले",
                )
        original = _message(
            directive_id,
            MessageKind.ORIGINAL,
            1,
            cmd.text,
            cmd.ack_required,
            actor.member_id,
            now,
            message_id=uuid.uuid5(directive_id, "original"),
        )
        await store.insert_directive(
            conn,
            store.DirectiveRow(
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
                original_message_id=original.id,
                first_request_at=None,
                last_request_at=None,
                cancelled_at=None,
                closed_at=None,
                version=1,
            ),
        )
        await store.insert_message(conn, original)
        await store.insert_districts(
            conn,
            directive_id,
            [
                (
                    d,
                    r.id if (r := tree.range_of(d)) is not None else None,
                    None if circles is None else sorted(circles),
                )
                for d, circles in targets.items()
            ],
        )
        candidates = await roster.members_with_roles(conn, [*audience.STATE_ROLES, "sp", "ig"])
        recipients = audience.issue_recipients(
            (m.domain() for m in candidates), targets, tree, issuer_id=actor.member_id
        )
        await store.insert_job(
            conn,
            original.id,
            directive_id,
            "issue",
            [original.id],
            now,
            member_ids=[m.id for m in recipients],
        )
        await outbox.enqueue(
            conn,
            [
                events.event(
                    topics.events,
                    DirectiveIssued(
                        directive_id=str(directive_id),
                        message_id=str(original.id),
                        kind=cmd.kind,
                        priority=cmd.priority,
                        title=cmd.text.title,
                        body=cmd.text.body,
                        audience=Audience(
                            scope=AudienceScope.UNITS
                            if cmd.audience_units
                            else AudienceScope.STATE,
                            unit_ids=list(cmd.audience_units),
                            roles=[Role(r) for r in cmd.audience_roles]
                            if cmd.audience_roles
                            else None,
                        ),
                        ack_required=cmd.ack_required,
                        relay_mode=cmd.relay_mode,
                        relay_deadline=deadlines.relay_deadline,
                        ack_window_seconds=max(1, ceil(deadlines.ack_window.total_seconds())),
                        ack_threshold=deadlines.ack_threshold,
                        expires_at=deadlines.expires_at,
                        attachments=[
                            Attachment(
                                attachment_id=str(a.id),
                                filename=a.filename,
                                media_type=a.content_type,
                                size_bytes=a.size,
                                sha256=a.sha256,
                            )
                            for a in attachments
                        ],
                        issued_by=actor.member_id,
                        issued_by_role=Role(actor.role),
                        issued_at=now,
                    ),
                    now,
                )
            ],
        )
    metrics.ISSUED.labels(cmd.priority).inc()
    return directive_id


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
        message = _message(
            directive_id,
            MessageKind.UPDATE,
            seq,
            text,
            d.ack_required,
            actor.member_id,
            now,
            message_id=message_id,
        )
        await store.insert_message(conn, message)
        await store.update_text(conn, directive_id, text, expires_at)
        await store.insert_job(
            conn,
            message.id,
            directive_id,
            "update",
            [message.id],
            now,
            source_message_id=d.original_message_id,
        )
        await outbox.enqueue(
            conn,
            [
                events.event(
                    topics.events,
                    DirectiveUpdated(
                        directive_id=str(directive_id),
                        message_id=str(message.id),
                        title=text.title,
                        body=text.body,
                        changed_by=actor.member_id,
                        at=now,
                    ),
                    now,
                )
            ],
        )
    return message.id


async def cancel(
    pool: asyncpg.Pool,
    topics: Topics,
    directive_id: UUID,
    reason: str | None,
    actor: Actor,
    now: datetime,
    message_id: UUID | None = None,
) -> UUID:
    async with pool.acquire() as conn, conn.transaction():
        d = await directive_or_404(conn, directive_id, lock="update")
        if message_id is not None and await store.message_exists(conn, message_id):
            return message_id
        _must_be_active(d)
        seq = await store.next_seq(conn, directive_id)
        text = cancellation_text(d.title_hi, d.title_en, reason)
        message = _message(
            directive_id,
            MessageKind.CANCELLATION,
            seq,
            text,
            False,
            actor.member_id,
            now,
            message_id=message_id,
        )
        await store.insert_message(conn, message)
        await store.set_state(conn, directive_id, DirectiveState.CANCELLED, now, "cancelled_at")
        await store.insert_job(
            conn,
            message.id,
            directive_id,
            "cancel",
            [message.id],
            now,
            source_message_id=d.original_message_id,
        )
        await outbox.enqueue(
            conn,
            [
                events.event(
                    topics.events,
                    DirectiveCancelled(
                        directive_id=str(directive_id),
                        message_id=str(message.id),
                        reason=bilingual(reason),
                        cancelled_by=actor.member_id,
                        at=now,
                    ),
                    now,
                )
            ],
        )
    return message.id


def _must_be_active(d: store.DirectiveRow) -> None:
    if d.state != DirectiveState.ACTIVE:
        raise ConflictError(f"the directive is {d.state}", detail_hi="यह निर्देश अब सक्रिय नहीं है")
