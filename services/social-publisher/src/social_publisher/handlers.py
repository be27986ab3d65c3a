"""Use cases: each owns its transaction and writes its events to the outbox in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from nazar_contracts.contacts import ContactUpserted
from nazar_contracts.dispatch import DispatchRequested
from nazar_contracts.registry import parse
from nazar_platform import db, outbox
from nazar_platform.kafka.consumer import Record
from nazar_platform.kafka.records import parse_record

from social_publisher import compose, metrics, store
from social_publisher.compose import Job
from social_publisher.domain import consent, intents
from social_publisher.domain.intents import Emit, Intent
from social_publisher.domain.outcomes import ProviderError, RetryPolicy
from social_publisher.domain.receipts import Receipt
from social_publisher.schemas import (
    DISPATCH_REQUESTED,
    RECEIPT_TYPES,
    SOURCE,
    event_id,
    provider_ref,
)
from social_publisher.settings import PublisherSettings


@dataclass(frozen=True)
class Context:
    pool: asyncpg.Pool
    settings: PublisherSettings
    policy: RetryPolicy


_RECEIPT_COUNTERS = {r: metrics.RECEIPTS.labels(str(r)) for r in Receipt}


def receipt_event(ctx: Context, intent: Intent, emit: Emit) -> outbox.OutboxEvent:
    """The receipt, shaped as `DispatchReceipt` (a plain dict: thousands per second)."""
    _RECEIPT_COUNTERS[emit.receipt].inc()
    error = None
    if emit.error is not None:
        error = {
            "code": emit.error.code_text,
            "title": emit.error.title or "failed",
            "detail": emit.error.detail or None,
            "retryable": emit.retryable,
        }
    data: dict[str, object] = {
        "delivery_id": intent.delivery_id,
        "message_id": intent.message_id,
        "member_id": intent.member_id,
        "channel": "sms" if intent.channel == "sms" else "whatsapp",
        "provider_message_id": (
            None
            if intent.provider_message_id is None
            else provider_ref(intent.channel, intent.provider_message_id)
        ),
        "at": emit.at.isoformat(),
        # Defined on `sent`; carried on every receipt so that no reader has to join them.
        "possible_duplicate": intent.possible_duplicate,
        "fallback_from": intent.fallback_from,
    }
    if error is not None:
        data["error"] = error
    return outbox.OutboxEvent(
        topic=ctx.settings.receipts_topic,
        key=intent.delivery_id,
        type=RECEIPT_TYPES[str(emit.receipt)],
        source=SOURCE,
        data=data,
        id=event_id(intent.delivery_id, str(emit.receipt)),
        time=emit.at,
        subject=intent.delivery_id,
    )


# --- admission: deliveries from Kafka become intents -----------------------------------------


async def admit(
    ctx: Context, requests: Sequence[DispatchRequested], raw: dict[str, str] | None = None
) -> list[Job]:
    """Record the intents of a batch (and refuse who must not be messaged) in one transaction.

    Returns the jobs to send now: only deliveries whose intent is new. A replayed delivery finds
    its intent and is not sent again from here (an unanswered one is the orphan sweep's).
    """
    unique = list({r.delivery_id: r for r in requests}.values())
    now = datetime.now(UTC)
    s = ctx.settings
    async with db.transaction(ctx.pool) as conn:
        contacts = await store.contacts(conn, (r.member_id for r in unique))
        wins = await store.windows(conn, (r.member_id for r in unique))
        rows: list[dict[str, Any]] = []
        planned: dict[str, tuple[DispatchRequested, consent.Contact | None, str, str]] = {}
        refused: dict[str, tuple[str, str]] = {}
        for r in unique:
            contact = contacts.get(r.member_id)
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
            row = {
                "delivery_id": r.delivery_id,
                "message_id": r.message_id,
                "member_id": r.member_id,
                "priority": str(r.priority),
                "channel": channel,
                "kind": kind,
                "status": intents.PENDING if why is None else intents.REFUSED,
                "reply_code": r.reply_code,
                "request": (raw or {}).get(r.delivery_id) or r.model_dump_json(),
                "receipt": None if why is None else "failed",
                "error": None if why is None else {"code": why[0], "title": why[1]},
            }
            rows.append(row)
            planned[r.delivery_id] = (r, contact, channel, kind)
            if why is not None:
                refused[r.delivery_id] = why
        inserted = await store.insert_intents(conn, rows)
        events = []
        for delivery_id, (code, reason) in refused.items():
            if delivery_id not in inserted:
                continue
            metrics.REFUSALS.labels(code).inc()
            r = planned[delivery_id][0]
            intent = _bare_intent(r, planned[delivery_id][2], receipt=Receipt.FAILED)
            error = refusal_error(code, reason)
            events.append(receipt_event(ctx, intent, Emit(Receipt.FAILED, now, error)))
        await outbox.enqueue(conn, events)
    jobs = []
    for delivery_id, (r, contact, channel, kind) in planned.items():
        if delivery_id in inserted and delivery_id not in refused and contact is not None:
            jobs.append(
                compose.build(
                    r,
                    channel=channel,
                    kind=kind,
                    whatsapp=contact.whatsapp,
                    sms=contact.sms,
                    settings=s,
                )
            )
    return jobs


REFUSAL_TITLES = {
    "no_contact": "no contact for this member (unknown or erased)",
    "inactive": "the member is inactive",
    "no_consent": "no consent to message this member",
    "messaging_not_allowed": "the roster does not allow messaging this member",
    "synthetic": "synthetic member; only a fake provider may be messaged",
    "no_channel": "the member has neither WhatsApp nor SMS",
    "expired": "the message expired before it could be sent",
}


def refusal_error(code: str, reason: str | None = None) -> ProviderError:
    return ProviderError(code=None, title=reason or REFUSAL_TITLES.get(code, code), label=code)


def _bare_intent(r: DispatchRequested, channel: str, receipt: Receipt | None = None) -> Intent:
    return Intent(
        delivery_id=r.delivery_id,
        message_id=r.message_id,
        member_id=r.member_id,
        priority=r.priority,
        channel=channel,
        kind="template",
        status=intents.REFUSED,
        receipt=receipt,
        provider_message_id=None,
        attempts=1,
        possible_duplicate=False,
        fallback_from=None,
        next_attempt_at=None,
        answered_at=None,
        error=None,
    )


# --- answers from the send path ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one attempt: accepted, an error, deferred, or refused at send time."""

    job: Job
    at: datetime
    provider_message_id: str | None = None
    error: ProviderError | None = None
    defer_until: datetime | None = None
    refusal: ProviderError | None = None


async def record(ctx: Context, outcomes: Sequence[Outcome]) -> None:
    """Answers of a batch of attempts, in one transaction (intents may be committed in batches)."""
    async with db.transaction(ctx.pool) as conn:
        found = await store.lock_intents(conn, (o.job.delivery_id for o in outcomes))
        changed: dict[str, Intent] = {}
        events = []
        for o in outcomes:
            intent = found.get(o.job.delivery_id)
            if intent is None:
                continue
            if o.provider_message_id is not None:
                emits = intents.accepted(intent, o.provider_message_id, o.at)
            elif o.refusal is not None:
                emits = intents.failed_permanently(intent, o.refusal, o.at)
            elif o.error is not None:
                emits = intents.send_error(
                    intent, o.error, o.at, has_sms=o.job.has_sms, policy=ctx.policy
                )
            elif o.defer_until is not None:
                intents.defer(intent, o.defer_until)
                emits = []
            else:
                continue
            changed[intent.delivery_id] = intent
            events += [receipt_event(ctx, intent, e) for e in emits]
        await store.save_intents(conn, list(changed.values()))
        await outbox.enqueue(conn, events)


# --- contacts from the roster -----------------------------------------------------------------


async def apply_contacts(conn: db.Connection, records: Sequence[Record]) -> None:
    """Handler of the idempotent consumer of roster.contacts.v1 (last record per member wins).

    A tombstone erases the member's contact; a record that does not fit the contract is
    dead-lettered by the consumer (`parse_record` raises PoisonRecordError)."""
    last: dict[str, ContactUpserted | None] = {}
    for r in records:
        contact = parse_record(r)
        member = r.key if contact is None else getattr(contact, "member_id", r.key)
        if member:
            last.pop(member, None)
            last[member] = contact if isinstance(contact, ContactUpserted) else None
    erased = [m for m, c in last.items() if c is None]
    upserts = [c for c in last.values() if c is not None]
    if erased:
        await store.delete_contacts(conn, erased)
    if upserts:
        await store.upsert_contacts(conn, upserts)


# --- retries and orphans -------------------------------------------------------------------------


async def claim(
    ctx: Context,
    *,
    channels: Sequence[str] = (),
    limit: int,
    orphans_after: timedelta | None = None,
    exclude: Sequence[str] = (),
) -> list[Job]:
    """Claim due retries (or, with `orphans_after`, unanswered intents) and make jobs of them."""
    now = datetime.now(UTC)
    s = ctx.settings
    async with db.transaction(ctx.pool) as conn:
        if orphans_after is not None:
            claimed = await store.claim_orphans(conn, orphans_after, exclude, limit)
        else:
            claimed = await store.claim_due(conn, channels, limit)
        if not claimed:
            return []
        members = [i.member_id for i, _ in claimed]
        contacts = await store.contacts(conn, members)
        wins = await store.windows(conn, members)
        jobs, changed, events = [], [], []
        for intent, raw in claimed:
            request = parse(DISPATCH_REQUESTED, raw)
            assert isinstance(request, DispatchRequested)
            contact = contacts.get(intent.member_id)
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
        await store.save_intents(conn, changed)
        await outbox.enqueue(conn, events)
    if orphans_after is not None:
        for job in jobs:
            metrics.POSSIBLE_DUPLICATES.labels(job.channel).inc()
    return jobs


async def quota_members(ctx: Context) -> list[tuple[str, datetime]]:
    async with ctx.pool.acquire() as conn:
        return await store.template_recipients(conn, datetime.now(UTC) - timedelta(days=1))
