"""Use cases of the provider webhooks: statuses become receipts, members' messages replies.

Each call is one transaction: the webhook's events are recorded as seen, the intents they touch
are locked and moved (domain.intents), and the resulting events go to the outbox, all or nothing;
the provider redelivers anything not answered 200.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from nazar_platform import db, outbox

from social_publisher import compose, metrics, store
from social_publisher.domain import intents
from social_publisher.domain.intents import Intent
from social_publisher.domain.text import is_opt_out
from social_publisher.domain.webhooks import Inbound, StatusUpdate, digits
from social_publisher.handlers import Context, receipt_event
from social_publisher.schemas import (
    DISPATCH_OPTED_OUT,
    DISPATCH_REPLIED,
    SOURCE,
    event_id,
    provider_ref,
)

_DELIVERY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# --- webhooks -----------------------------------------------------------------------------------


async def apply_statuses(ctx: Context, channel: str, updates: Sequence[StatusUpdate]) -> int:
    """Statuses from a webhook body; returns how many were new. A repeat changes nothing."""
    now = datetime.now(UTC)
    lag = metrics.WEBHOOK_LAG.labels(channel, "status")
    for u in updates:
        lag.observe(max(0.0, (now - u.at).total_seconds()))
    async with db.transaction(ctx.pool) as conn:
        keys = list(dict.fromkeys((u.provider_message_id, str(u.status)) for u in updates))
        fresh = await store.fresh_webhook_events(conn, keys)
        todo = []
        for u in updates:
            key = (u.provider_message_id, str(u.status))
            if key in fresh:
                fresh.discard(key)
                todo.append(u)
        duplicates = len(updates) - len(todo)
        if duplicates:
            metrics.WEBHOOK_EVENTS.labels(channel, "status", "duplicate").inc(duplicates)
        missing = [u.provider_message_id for u in todo if not u.delivery_id]
        by_pmid = await store.deliveries_by_provider_id(conn, missing) if missing else {}
        resolved = [(u.delivery_id or by_pmid.get(u.provider_message_id), u) for u in todo]
        found = await store.lock_intents(conn, (d for d, _ in resolved if d))
        failing = [found[d].member_id for d, u in resolved if d in found and u.error is not None]
        sms_of = await store.contacts(conn, failing) if failing else {}
        changed: dict[str, Intent] = {}
        events = []
        unknown = 0
        for delivery_id, u in resolved:
            intent = found.get(delivery_id) if delivery_id else None
            if intent is None:
                unknown += 1
                continue
            contact = sms_of.get(intent.member_id)
            emits = intents.status_update(
                intent,
                u.status,
                u.at,
                u.error,
                channel=channel,
                provider_message_id=u.provider_message_id,
                has_sms=bool(contact and contact.sms),
                policy=ctx.policy,
            )
            if u.error is not None:
                metrics.FAILURES.labels(channel, u.error.code_text, "status").inc()
            changed[intent.delivery_id] = intent
            events += [receipt_event(ctx, intent, e) for e in emits]
        await store.save_intents(conn, list(changed.values()))
        await outbox.enqueue(conn, events)
    metrics.WEBHOOK_EVENTS.labels(channel, "status", "unknown").inc(unknown)
    metrics.WEBHOOK_EVENTS.labels(channel, "status", "applied").inc(len(todo) - unknown)
    return len(todo)


async def apply_inbound(ctx: Context, channel: str, messages: Sequence[Inbound]) -> int:
    """Member messages: replies (with the replied-to delivery when known) and opt-outs."""
    now = datetime.now(UTC)
    s = ctx.settings
    async with db.transaction(ctx.pool) as conn:
        keys = list(dict.fromkeys((m.provider_message_id, "message") for m in messages))
        fresh = await store.fresh_webhook_events(conn, keys)
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
        members = await store.members_by_number(conn, column, (digits(m.sender) for m in todo))
        contexts = [m.context_id for m in todo if m.context_id]
        replied_to = await store.deliveries_by_provider_id(conn, contexts) if contexts else {}
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
            reply_id = event_id("reply", m.provider_message_id)
            data: dict[str, object]
            if m.kind == "text" and is_opt_out(m.text):
                data = {
                    "reply_id": reply_id,
                    "member_id": member_id,
                    "channel": channel,
                    "keyword": (m.text or "").strip(),
                    "received_at": m.at.isoformat(),
                }
                kind = DISPATCH_OPTED_OUT
            else:
                delivery = compose.delivery_from_payload(m.button_payload)
                if delivery is None and m.context_id:
                    delivery = replied_to.get(m.context_id)
                if delivery is None and channel == "sms" and m.text:
                    delivery = await _by_reply_code(conn, member_id, m.text)
                button = m.kind == "button" and m.button_payload is not None
                data = {
                    "reply_id": reply_id,
                    "member_id": member_id,
                    "channel": channel,
                    "kind": "button" if button else "text",
                    "text": m.text if (button or m.text) else "",
                    "button_payload": m.button_payload if button else None,
                    "in_reply_to_delivery_id": (
                        delivery if delivery and _DELIVERY_ID.match(delivery) else None
                    ),
                    "provider_message_id": provider_ref(channel, m.provider_message_id),
                    "received_at": m.at.isoformat(),
                }
                kind = DISPATCH_REPLIED
            events.append(
                outbox.OutboxEvent(
                    topic=s.replies_topic,
                    key=member_id,
                    type=kind,
                    source=SOURCE,
                    data=data,
                    id=reply_id,
                    time=m.at,
                )
            )
        if opened:
            await store.open_windows(conn, opened)
        await outbox.enqueue(conn, events)
    return len(todo)


async def _by_reply_code(conn: db.Connection, member_id: str, text: str) -> str | None:
    # A feature-phone reply is the code alone or with words around it ("ACK 4821", "4821 ok").
    for token in text.replace(",", " ").split()[:5]:
        found = await store.delivery_by_reply_code(conn, member_id, token.strip(".!।"))
        if found:
            return found
    return None
