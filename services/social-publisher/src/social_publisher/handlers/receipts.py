"""Receipts: an intent's receipt as its event (the one place a receipt is built), and the
providers' status webhooks, which move intents and publish their receipts.

Applying statuses is one transaction per call: the webhook's events are recorded as seen, the
intents they touch are locked and moved (domain.intents), and the resulting events go to the
outbox, all or nothing; the provider redelivers anything not answered 200.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from nazar_contracts.dispatch import (
    Channel,
    DispatchDelivered,
    DispatchFailed,
    DispatchRead,
    DispatchSent,
    ProviderError,
)
from nazar_platform import db, outbox
from nazar_platform.outbox import outbox_event
from pydantic import BaseModel

from social_publisher import metrics
from social_publisher.domain import codes, intents
from social_publisher.domain.identities import SOURCE, event_id, provider_ref
from social_publisher.domain.intents import Emit, Intent
from social_publisher.domain.receipts import Receipt
from social_publisher.domain.webhooks import StatusUpdate
from social_publisher.handlers.context import Context
from social_publisher.store import codes as code_store
from social_publisher.store import contacts, webhooks
from social_publisher.store import intents as intent_store

_RECEIPT_COUNTERS = {r: metrics.RECEIPTS.labels(str(r)) for r in Receipt}
_MODELS: dict[Receipt, type[BaseModel]] = {
    Receipt.SENT: DispatchSent,
    Receipt.DELIVERED: DispatchDelivered,
    Receipt.READ: DispatchRead,
    Receipt.FAILED: DispatchFailed,
}


def receipt_event(ctx: Context, intent: Intent, emit: Emit) -> outbox.OutboxEvent:
    """The receipt `emit` of `intent`, as its `nazar_contracts` event on the receipts topic."""
    _RECEIPT_COUNTERS[emit.receipt].inc()
    fields: dict[str, object] = {
        "delivery_id": intent.delivery_id,
        "message_id": intent.message_id,
        "member_id": intent.member_id,
        "channel": Channel.SMS if intent.channel == "sms" else Channel.WHATSAPP,
        "provider_message_id": (
            None
            if intent.provider_message_id is None
            else provider_ref(intent.channel, intent.provider_message_id)
        ),
        "at": emit.at,
        "possible_duplicate": intent.possible_duplicate,
        "fallback_from": None if intent.fallback_from is None else Channel(intent.fallback_from),
    }
    if emit.error is not None:
        fields["error"] = ProviderError(
            code=emit.error.code_text,
            title=emit.error.title or "failed",
            detail=emit.error.detail or None,
            retryable=emit.retryable,
        )
    return outbox_event(
        _MODELS[emit.receipt].model_validate(fields),
        source=SOURCE,
        id=event_id(intent.delivery_id, str(emit.receipt)),
        time=emit.at,
        topic=ctx.settings.topic_receipts,
    )


async def apply_statuses(ctx: Context, channel: str, updates: Sequence[StatusUpdate]) -> int:
    """Statuses from a webhook body; returns how many were new. A repeat changes nothing."""
    now = datetime.now(UTC)
    lag = metrics.WEBHOOK_LAG.labels(channel, "status")
    for u in updates:
        lag.observe(max(0.0, (now - u.at).total_seconds()))
    async with db.transaction(ctx.pool) as conn:
        keys = list(dict.fromkeys((u.provider_message_id, str(u.status)) for u in updates))
        fresh = await webhooks.fresh_events(conn, keys)
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
        by_pmid = await intent_store.by_provider_id(conn, missing) if missing else {}
        resolved = [(u.delivery_id or by_pmid.get(u.provider_message_id), u) for u in todo]
        # Sign-in codes' statuses name the code's row, not an intent.
        await _code_statuses(conn, channel, resolved)
        resolved = [(d, u) for d, u in resolved if codes.sign_in_of(d) is None]
        found = await intent_store.lock(conn, (d for d, _ in resolved if d))
        failing = [found[d].member_id for d, u in resolved if d in found and u.error is not None]
        sms_of = await contacts.of_members(conn, failing) if failing else {}
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
        await intent_store.save(conn, list(changed.values()))
        await outbox.enqueue(conn, events)
    metrics.WEBHOOK_EVENTS.labels(channel, "status", "unknown").inc(unknown)
    metrics.WEBHOOK_EVENTS.labels(channel, "status", "applied").inc(len(todo) - unknown)
    return len(todo)


async def _code_statuses(
    conn: db.Connection, channel: str, resolved: Sequence[tuple[str | None, StatusUpdate]]
) -> None:
    updates = []
    for delivery_id, u in resolved:
        sign_in_id = codes.sign_in_of(delivery_id)
        if sign_in_id is None:
            continue
        status = str(u.status)
        error = u.error.code_text if u.error is not None else None
        updates.append((sign_in_id, status, error, list(codes.replaces(status))))
        metrics.CODE_STATUSES.labels(channel, status).inc()
    await code_store.statuses(conn, updates)
