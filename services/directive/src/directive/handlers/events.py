"""Rows of this service as events on `directive.events.v1`, in one place, through the outbox.

Type, key and subject come from the contract's registry entry of each model
(`nazar_platform.outbox.outbox_event`); the topic is the setting `topic_events` (tests run against
private topics) and the event's time is the use case's clock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from math import ceil
from uuid import UUID

from nazar_contracts import event_types as types
from nazar_contracts.directives import (
    AckVia,
    Attachment,
    Audience,
    AudienceScope,
    CloseReason,
    DirectiveAcknowledged,
    DirectiveCancelled,
    DirectiveClosed,
    DirectiveEscalated,
    DirectiveIssued,
    DirectiveKind,
    DirectiveNoted,
    DirectiveRelayed,
    DirectiveUpdated,
    EscalationReason,
    Priority,
    RelayMode,
)
from nazar_contracts.vocabulary import Role
from nazar_platform import outbox
from nazar_platform.db import Connection
from nazar_platform.outbox import OutboxEvent, outbox_event
from pydantic import BaseModel

from directive.domain.escalation import EscalationKind
from directive.domain.model import bilingual
from directive.store.attachments import AttachmentRow
from directive.store.directives import DirectiveRow, MessageRow
from directive.store.receipts import Acknowledged

SOURCE = "/nazar/directive"

# Events that start a fan-out job, and the field of their data that names it.
FANOUT_JOB_FIELD = {
    types.DIRECTIVE_ISSUED: "message_id",
    types.DIRECTIVE_UPDATED: "message_id",
    types.DIRECTIVE_CANCELLED: "message_id",
    types.DIRECTIVE_NOTED: "message_id",
    types.DIRECTIVE_ESCALATED: "message_id",
    types.DIRECTIVE_RELAYED: "relay_id",
}


def event(topic: str, data: BaseModel, at: datetime) -> OutboxEvent:
    return dataclasses.replace(outbox_event(data, source=SOURCE), topic=topic, time=at)


async def announce(conn: Connection, topic: str, *events: tuple[BaseModel, datetime]) -> None:
    """Write the events to the outbox, in the caller's transaction."""
    await outbox.enqueue(conn, [event(topic, data, at) for data, at in events])


def issued(d: DirectiveRow, attachments: Sequence[AttachmentRow], role: str) -> DirectiveIssued:
    return DirectiveIssued(
        directive_id=str(d.id),
        message_id=str(d.original_message_id),
        kind=DirectiveKind(d.kind),
        priority=Priority(d.priority),
        title=d.text.title,
        body=d.text.body,
        audience=Audience(
            scope=AudienceScope.UNITS if d.audience_units else AudienceScope.STATE,
            unit_ids=list(d.audience_units),
            roles=[Role(r) for r in d.audience_roles] if d.audience_roles else None,
        ),
        ack_required=d.ack_required,
        relay_mode=RelayMode(d.relay_mode),
        relay_deadline=d.relay_deadline,
        ack_window_seconds=max(1, ceil(d.ack_window.total_seconds())),
        ack_threshold=d.ack_threshold,
        expires_at=d.expires_at,
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
        issued_by=d.issued_by,
        issued_by_role=Role(role),
        issued_at=d.issued_at,
    )


def updated(m: MessageRow) -> DirectiveUpdated:
    assert m.created_by is not None  # an update always has its author
    text = m.text
    return DirectiveUpdated(
        directive_id=str(m.directive_id),
        message_id=str(m.id),
        title=text.title,
        body=text.body,
        changed_by=m.created_by,
        at=m.created_at,
    )


def cancelled(m: MessageRow, reason: str | None) -> DirectiveCancelled:
    assert m.created_by is not None
    return DirectiveCancelled(
        directive_id=str(m.directive_id),
        message_id=str(m.id),
        reason=bilingual(reason),
        cancelled_by=m.created_by,
        at=m.created_at,
    )


def noted(m: MessageRow) -> DirectiveNoted:
    assert m.created_by is not None and m.unit_id is not None
    return DirectiveNoted(
        directive_id=str(m.directive_id),
        note_id=str(m.id),
        message_id=str(m.id),
        circle_id=m.unit_id,
        text=m.text.body,
        noted_by=m.created_by,
        at=m.created_at,
    )


def escalated(
    m: MessageRow, kind: EscalationKind, recipients: list[str], share: float | None
) -> DirectiveEscalated:
    assert m.unit_id is not None
    return DirectiveEscalated(
        directive_id=str(m.directive_id),
        escalation_id=str(m.id),
        message_id=str(m.id),
        reason=EscalationReason.SP_NOT_RELAYED
        if kind == EscalationKind.RELAY_OVERDUE
        else EscalationReason.CIRCLE_BELOW_THRESHOLD,
        level=2 if kind == EscalationKind.ACK_TO_SP else 1,
        unit_id=m.unit_id,
        escalated_to=recipients,
        observed_ratio=None if share is None else min(1.0, max(0.0, share)),
        at=m.created_at,
    )


def relayed(
    d: DirectiveRow,
    relay_id: UUID,
    district_id: str,
    circles: list[str],
    note: str | None,
    by: str | None,
    at: datetime,
) -> DirectiveRelayed:
    return DirectiveRelayed(
        directive_id=str(d.id),
        relay_id=str(relay_id),
        # A relay extends the audience of the directive's original message.
        message_id=str(d.original_message_id),
        district_id=district_id,
        circle_ids=circles,
        note=bilingual(note),
        relayed_by=by,
        automatic=by is None,
        at=at,
    )


def closed(directive_id: UUID, cancelled: bool, at: datetime) -> DirectiveClosed:
    reason = CloseReason.CANCELLED if cancelled else CloseReason.EXPIRED
    return DirectiveClosed(directive_id=str(directive_id), reason=reason, at=at)


def acknowledged(a: Acknowledged) -> DirectiveAcknowledged:
    return DirectiveAcknowledged(
        directive_id=str(a.directive_id),
        message_id=str(a.message_id),
        delivery_id=str(a.delivery_id),
        member_id=a.member_id,
        via=AckVia(a.via),
        at=a.at,
    )
