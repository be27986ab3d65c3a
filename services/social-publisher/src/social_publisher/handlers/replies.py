"""Replies: members' own messages from the providers' webhooks become replies (with the delivery
they answer when known) and opt-outs on the replies topic; a WhatsApp message also opens the
member's service window.

One transaction per call, like statuses (see handlers.receipts): all or nothing, and the provider
redelivers anything not answered 200.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from nazar_contracts.dispatch import Channel, DispatchOptedOut, DispatchReplied, ReplyKind
from nazar_platform import db, outbox
from nazar_platform.outbox import outbox_event
from pydantic import BaseModel, ValidationError

from social_publisher import metrics
from social_publisher.domain import compose
from social_publisher.domain.identities import SOURCE, event_id, provider_ref
from social_publisher.domain.text import is_opt_out
from social_publisher.domain.webhooks import Inbound, digits
from social_publisher.handlers.context import Context
from social_publisher.store import contacts, webhooks
from social_publisher.store import intents as intent_store

log = structlog.get_logger(__name__)
_DELIVERY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def apply_inbound(ctx: Context, channel: str, messages: Sequence[Inbound]) -> int:
    """Member messages: replies (with the replied-to delivery when known) and opt-outs."""
    now = datetime.now(UTC)
    async with db.transaction(ctx.pool) as conn:
        keys = list(dict.fromkeys((m.provider_message_id, "message") for m in messages))
        fresh = await webhooks.fresh_events(conn, keys)
        todo = []
        for m in messages:
            key = (m.provider_message_id, "message")
            if key in fresh:
                fresh.discard(key)
                todo.append(m)
        if len(messages) > len(todo):
            metrics.WEBHOOK_EVENTS.labels(channel, "message", "duplicate").inc(
                len(messages) - len(todo)
            )
        column = "whatsapp" if channel == "whatsapp" else "sms"
        members = await contacts.members_by_number(conn, column, (digits(m.sender) for m in todo))
        context_ids = [m.context_id for m in todo if m.context_id]
        replied_to = await intent_store.by_provider_id(conn, context_ids) if context_ids else {}
        events: list[outbox.OutboxEvent] = []
        opened: list[tuple[str, datetime]] = []
        for m in todo:
            metrics.WEBHOOK_LAG.labels(channel, "message").observe(
                max(0.0, (now - m.at).total_seconds())
            )
            member_id = members.get(digits(m.sender))
            if member_id is None:
                metrics.WEBHOOK_EVENTS.labels(channel, "message", "unknown").inc()
                continue
            metrics.WEBHOOK_EVENTS.labels(channel, "message", "applied").inc()
            if channel == "whatsapp":
                opened.append((member_id, m.at))
            delivery = None
            if not (m.kind == "text" and is_opt_out(m.text)):
                delivery = compose.delivery_from_payload(m.button_payload)
                if delivery is None and m.context_id:
                    delivery = replied_to.get(m.context_id)
                if delivery is None and channel == "sms" and m.text:
                    delivery = await _by_reply_code(conn, member_id, m.text)
            try:
                reply = _reply(channel, member_id, m, delivery)
            except ValidationError as exc:
                # Answering 200 anyway: a message we can never announce must not be redelivered
                # for ever, nor hold back the others of its body.
                log.error("member message does not fit the contract", error=repr(exc)[:300])
                continue
            events.append(
                outbox_event(
                    reply,
                    source=SOURCE,
                    id=event_id("reply", m.provider_message_id),
                    time=m.at,
                    topic=ctx.settings.topic_replies,
                )
            )
        if opened:
            await contacts.open_windows(conn, opened)
        await outbox.enqueue(conn, events)
    return len(todo)


def _reply(channel: str, member_id: str, m: Inbound, delivery: str | None) -> BaseModel:
    if m.kind == "text" and is_opt_out(m.text):
        return DispatchOptedOut(
            reply_id=event_id("reply", m.provider_message_id),
            member_id=member_id,
            channel=Channel(channel),
            keyword=(m.text or "").strip(),
            received_at=m.at,
        )
    button = m.kind == "button" and m.button_payload is not None
    return DispatchReplied(
        reply_id=event_id("reply", m.provider_message_id),
        member_id=member_id,
        channel=Channel(channel),
        kind=ReplyKind.BUTTON if button else ReplyKind.TEXT,
        text=m.text if (button or m.text) else "",
        button_payload=m.button_payload if button else None,
        in_reply_to_delivery_id=delivery if delivery and _DELIVERY_ID.match(delivery) else None,
        provider_message_id=provider_ref(channel, m.provider_message_id),
        received_at=m.at,
    )


async def _by_reply_code(conn: db.Connection, member_id: str, text: str) -> str | None:
    # A feature-phone reply is the code alone or with words around it ("ACK 4821", "4821 ok").
    for token in text.replace(",", " ").split()[:5]:
        found = await intent_store.by_reply_code(conn, member_id, token.strip(".!।"))
        if found:
            return found
    return None
