"""Rows into API bodies, and the reach view assembled from the counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from nazar_platform.db import Connection

from directive.api import schemas
from directive.domain.escalation import CircleStage
from directive.domain.reach import Counts
from directive.store import attachments as attachment_store
from directive.store import directives as store
from directive.store import reach as reach_store
from directive.store import roster

STATUS_NAMES = ("requested", "sent", "delivered", "read")
STAGE_NAMES = {
    CircleStage.WATCHING: "watching",
    CircleStage.CO_ESCALATED: "co_escalated",
    CircleStage.SP_ESCALATED: "sp_escalated",
    CircleStage.SATISFIED: "satisfied",
}


def attachment_url(attachment_id: UUID) -> str:
    return f"/api/v1/attachments/{attachment_id}"


def attachment(a: attachment_store.AttachmentRow, url: str | None = None) -> schemas.AttachmentOut:
    return schemas.AttachmentOut(
        id=a.id,
        filename=a.filename,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        url=url or attachment_url(a.id),
    )


def directive(
    d: store.DirectiveRow, attachments: Sequence[attachment_store.AttachmentRow]
) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "state": d.state,
        "priority": d.priority,
        "title": schemas.Bilingual(hi=d.title_hi, en=d.title_en),
        "body": schemas.Bilingual(hi=d.body_hi, en=d.body_en),
        "audience": schemas.AudienceIn(unit_ids=d.audience_units, roles=d.audience_roles),
        "ack_required": d.ack_required,
        "relay_mode": d.relay_mode,
        "relay_deadline": d.relay_deadline,
        "ack_window_seconds": int(d.ack_window.total_seconds()),
        "ack_threshold": round(d.ack_threshold, 4),
        "expires_at": d.expires_at,
        "attachments": [attachment(a) for a in attachments],
        "issued_by": d.issued_by,
        "issued_at": d.issued_at,
        "original_message_id": d.original_message_id,
        "first_request_at": d.first_request_at,
        "last_request_at": d.last_request_at,
        "version": d.version,
        "public_post_url": d.public_post_url,
    }


def message(m: store.MessageRow) -> schemas.MessageOut:
    return schemas.MessageOut(
        id=m.id,
        kind=m.kind,
        seq=m.seq,
        title=schemas.Bilingual(hi=m.title_hi, en=m.title_en),
        body=schemas.Bilingual(hi=m.body_hi, en=m.body_en),
        ack_requested=m.ack_requested,
        reply_code=m.reply_code,
        unit_id=m.unit_id,
        created_by=m.created_by,
        created_at=m.created_at,
    )


def relay(r: dict[str, Any]) -> schemas.RelayOut:
    return schemas.RelayOut(
        relay_id=r["id"],
        district_id=r["district_id"],
        circle_ids=list(r["circles"]),
        note=r["note"],
        relayed_by=r["relayed_by"],
        automatic=r["relayed_by"] is None,
        at=r["created_at"],
    )


def escalation(e: dict[str, Any]) -> schemas.EscalationOut:
    return schemas.EscalationOut(
        message_id=e["message_id"],
        kind=e["kind"],
        unit_id=e["unit_id"],
        recipients=list(e["recipients"]),
        ack_share=e["ack_share"],
        at=e["created_at"],
    )


def counts(c: Counts) -> schemas.Counts:
    share = c.ack_share()
    return schemas.Counts(**c.as_dict(), ack_share=None if share is None else round(share, 4))


def within(unit_path: Sequence[str], scope: Sequence[str] | None) -> bool:
    return scope is None or bool(set(unit_path) & set(scope))


async def reach(
    conn: Connection,
    d: store.DirectiveRow,
    scope: list[str] | None,
    *,
    message_id: UUID | None,
    max_depth: int,
    now: datetime,
) -> schemas.ReachOut:
    """Reach of one message (default: the directive's original) per unit down to `max_depth`, the
    totals within the caller's scope, every message's totals, and the escalations."""
    counted = message_id or d.original_message_id
    rows = await reach_store.roll_up(
        conn, d.id, message_id=counted, scope=scope, max_depth=max_depth
    )
    totals = totals_of(rows, scope)
    units = await unit_reach(conn, rows)
    per_message = await reach_store.per_message(conn, d.id, scope)
    messages = await store.messages_of(conn, d.id)
    shown = await escalations_within(conn, d.id, scope)
    return schemas.ReachOut(
        directive_id=d.id,
        message_id=counted,
        as_of=now,
        totals=counts(totals),
        units=units,
        messages=[
            schemas.MessageReach(
                message_id=m.id,
                kind=m.kind,
                seq=m.seq,
                unit_id=m.unit_id,
                counts=counts(per_message.get(m.id, Counts())),
            )
            for m in messages
            if m.id in per_message
        ],
        escalations=[escalation(e) for e in shown],
    )


async def unit_reach(
    conn: Connection, rows: Sequence[reach_store.UnitReach]
) -> list[schemas.UnitReach]:
    """Roll-up rows with their units' names, top down."""
    names = await reach_store.unit_names(conn, [r.unit_id for r in rows])
    return [
        schemas.UnitReach(
            unit_id=r.unit_id,
            kind=names.get(r.unit_id, {}).get("kind"),
            name=schemas.Bilingual(
                hi=names.get(r.unit_id, {}).get("name_hi"),
                en=names.get(r.unit_id, {}).get("name_en"),
            ),
            parent_id=names.get(r.unit_id, {}).get("parent_id"),
            depth=r.depth,
            counts=counts(r.counts),
        )
        for r in sorted(rows, key=lambda r: (r.depth, r.unit_id))
    ]


def totals_of(rows: Sequence[reach_store.UnitReach], scope: Sequence[str] | None) -> Counts:
    """The sum of the top rows: the state's, or those of the caller's scope units."""
    tops = [r for r in rows if (scope is None and r.depth == 1) or (scope and r.unit_id in scope)]
    return sum((r.counts for r in tops), start=Counts())


async def escalations_within(
    conn: Connection, directive_id: UUID, scope: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Escalations about units inside the caller's scope (an IG sees their districts', an SP
    their district's and its circles', a CO their circle's)."""
    found = await store.escalations_of(conn, directive_id)
    if scope is None:
        return found
    paths = await roster.unit_paths(conn, [e["unit_id"] for e in found])
    return [e for e in found if within(paths.get(e["unit_id"], [e["unit_id"]]), scope)]
