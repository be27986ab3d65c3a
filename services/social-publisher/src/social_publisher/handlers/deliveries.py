"""Deliveries: requests from Kafka become intents (admission); due retries and unanswered intents
are claimed back as jobs for the sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nazar_contracts import event_types
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.registry import InvalidEventError, parse, parse_json
from nazar_platform import db, outbox
from nazar_platform.kafka.records import PoisonRecordError, Record

from social_publisher import metrics
from social_publisher.domain import compose, consent, intents
from social_publisher.domain.compose import Job
from social_publisher.domain.consent import refusal_error
from social_publisher.domain.intents import Emit, Intent
from social_publisher.domain.receipts import Receipt
from social_publisher.handlers.context import Context
from social_publisher.handlers.receipts import receipt_event
from social_publisher.store import contacts
from social_publisher.store import intents as intent_store
from social_publisher.store import quota as quota_store


def requests_of(records: Sequence[Record]) -> tuple[list[DispatchRequested], dict[str, str]]:
    """The delivery requests of a batch, with each one's JSON text as it came from Kafka (stored
    without re-encoding). Another event type on the topic is not ours to act on; a record that
    does not fit the contract is poison (the consumer dead-letters it)."""
    requests: list[DispatchRequested] = []
    raw_json: dict[str, str] = {}
    for r in records:
        if r.event is None or r.event.type != event_types.DISPATCH_REQUESTED:
            continue
        try:
            request = parse_json(event_types.DISPATCH_REQUESTED, r.raw.value or b"")
            text = (r.raw.value or b"").decode()
        except (InvalidEventError, UnicodeDecodeError) as exc:
            raise PoisonRecordError(repr(exc)[:300]) from None
        assert isinstance(request, DispatchRequested)
        requests.append(request)
        raw_json[request.delivery_id] = text
    return requests, raw_json


async def admit(ctx: Context, conn: db.Connection, records: Sequence[Record]) -> list[Job]:
    """Record the intents of a batch (and refuse who must not be messaged) in the consumer's
    transaction; offsets are committed only after it.

    Returns the jobs to send now: only deliveries whose intent is new. A replayed delivery finds
    its intent and is not sent again from here (an unanswered one is the orphan sweep's).
    """
    requests, raw = requests_of(records)
    unique = list({r.delivery_id: r for r in requests}.values())
    now = datetime.now(UTC)
    s = ctx.settings
    found = await contacts.of_members(conn, (r.member_id for r in unique))
    wins = await contacts.windows(conn, (r.member_id for r in unique))
    rows: list[dict[str, Any]] = []
    planned: dict[str, tuple[DispatchRequested, consent.Contact | None, str, str]] = {}
    refused: dict[str, tuple[str, str]] = {}
    for r in unique:
        contact = found.get(r.member_id)
        why = consent.refusal(
            contact, allow_synthetic=s.allow_synthetic, expires_at=r.expires_at, now=now
        )
        channel, kind = "whatsapp", "template"
        if contact is not None:
            channel = compose.choose_channel(contact.whatsapp)
            if channel == "sms":
                kind = "sms"
            elif compose.window_open(wins.get(r.member_id), now, s):
                kind = "interactive"
        rows.append(
            {
                "delivery_id": r.delivery_id,
                "message_id": r.message_id,
                "member_id": r.member_id,
                "priority": str(r.priority),
                "channel": channel,
                "kind": kind,
                "status": intents.PENDING if why is None else intents.REFUSED,
                "reply_code": r.reply_code,
                "request": raw.get(r.delivery_id) or r.model_dump_json(),
                "receipt": None if why is None else "failed",
                "error": None if why is None else {"code": why[0], "title": why[1]},
                "sender": "sms" if channel == "sms" else compose.sender_for(r.member_id, s),
            }
        )
        planned[r.delivery_id] = (r, contact, channel, kind)
        if why is not None:
            refused[r.delivery_id] = why
    inserted = await intent_store.insert(conn, rows)
    events = []
    for delivery_id, (code, reason) in refused.items():
        if delivery_id not in inserted:
            continue
        metrics.REFUSALS.labels(code).inc()
        r = planned[delivery_id][0]
        intent = _refused_intent(r, planned[delivery_id][2])
        error = refusal_error(code, reason)
        events.append(receipt_event(ctx, intent, Emit(Receipt.FAILED, now, error)))
    await outbox.enqueue(conn, events)
    return [
        compose.build(
            r, channel=channel, kind=kind, whatsapp=contact.whatsapp, sms=contact.sms, settings=s
        )
        for delivery_id, (r, contact, channel, kind) in planned.items()
        if delivery_id in inserted and delivery_id not in refused and contact is not None
    ]


def _refused_intent(r: DispatchRequested, channel: str) -> Intent:
    return Intent(
        delivery_id=r.delivery_id,
        message_id=r.message_id,
        member_id=r.member_id,
        priority=r.priority,
        channel=channel,
        kind="template",
        status=intents.REFUSED,
        receipt=Receipt.FAILED,
        provider_message_id=None,
        attempts=1,
        possible_duplicate=False,
        fallback_from=None,
        next_attempt_at=None,
        answered_at=None,
        error=None,
    )


async def claim(
    ctx: Context,
    *,
    channels: Sequence[str] = (),
    senders: Sequence[str] = (),
    limit: int,
    orphans_after: timedelta | None = None,
    exclude: Sequence[str] = (),
) -> list[Job]:
    """Claim due retries of `senders` (or, with `orphans_after`, unanswered intents of any
    number) and make jobs of them."""
    now = datetime.now(UTC)
    s = ctx.settings
    async with db.transaction(ctx.pool) as conn:
        if orphans_after is not None:
            claimed = await intent_store.claim_orphans(conn, orphans_after, exclude, limit)
        else:
            claimed = await intent_store.claim_due(conn, channels, senders, limit)
        if not claimed:
            return []
        members = [i.member_id for i, _ in claimed]
        found = await contacts.of_members(conn, members)
        wins = await contacts.windows(conn, members)
        jobs, changed, events = [], [], []
        for intent, raw in claimed:
            request = parse(event_types.DISPATCH_REQUESTED, raw)
            assert isinstance(request, DispatchRequested)
            contact = found.get(intent.member_id)
            why = consent.refusal(
                contact, allow_synthetic=s.allow_synthetic, expires_at=request.expires_at, now=now
            )
            if why is not None or contact is None:
                code, reason = why or ("no_contact", None)
                emits = intents.failed_permanently(intent, refusal_error(code, reason), now)
                metrics.REFUSALS.labels(code).inc()
                changed.append(intent)
                events += [receipt_event(ctx, intent, e) for e in emits]
                continue
            channel, kind = intent.channel, intent.kind
            if channel == "whatsapp" and not contact.whatsapp:
                channel, kind = "sms", "sms"
            if channel == "sms" and not contact.sms:
                channel, kind = "whatsapp", "template"
            if kind == "interactive" and not compose.window_open(
                wins.get(intent.member_id), now, s
            ):
                kind = "template"
            job = compose.build(
                request,
                channel=channel,
                kind=kind,
                whatsapp=contact.whatsapp,
                sms=contact.sms,
                settings=s,
            )
            job.attempts = intent.attempts
            job.possible_duplicate = intent.possible_duplicate
            job.fallback_from = intent.fallback_from
            if (channel, kind) != (intent.channel, intent.kind):
                intent.channel, intent.kind = channel, kind
                changed.append(intent)
            jobs.append(job)
        await intent_store.save(conn, changed)
        await outbox.enqueue(conn, events)
    if orphans_after is not None:
        for job in jobs:
            metrics.POSSIBLE_DUPLICATES.labels(job.channel).inc()
    return jobs


async def quota_members(ctx: Context) -> list[tuple[str, datetime]]:
    """Members the portfolio sent a template in the last 24 h (rebuilds the quota at startup)."""
    async with ctx.pool.acquire() as conn:
        return await quota_store.recipients(conn, datetime.now(UTC) - timedelta(days=1))
