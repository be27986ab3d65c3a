"""Attempts: the answers of the sender's calls, written in batches (one transaction per batch,
not per message)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from nazar_platform import db, outbox

from social_publisher.domain import intents
from social_publisher.domain.codes import CODE_PRIORITY
from social_publisher.domain.compose import Job
from social_publisher.domain.intents import Intent
from social_publisher.domain.outcomes import ProviderError
from social_publisher.handlers.context import Context
from social_publisher.handlers.receipts import receipt_event
from social_publisher.store import codes as code_store
from social_publisher.store import intents as intent_store


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
    codes = [o for o in outcomes if o.job.priority == CODE_PRIORITY]
    if codes:
        outcomes = [o for o in outcomes if o.job.priority != CODE_PRIORITY]
    async with db.transaction(ctx.pool) as conn:
        await code_store.finish(conn, code_answers(codes))
        found = await intent_store.lock(conn, (o.job.delivery_id for o in outcomes))
        changed: dict[str, Intent] = {}
        handed: dict[str, str] = {}
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
                # Whichever instance claims it next, the number's owner sends it.
                handed[intent.delivery_id] = o.job.sender
                emits = []
            else:
                continue
            changed[intent.delivery_id] = intent
            events += [receipt_event(ctx, intent, e) for e in emits]
        await intent_store.save(conn, list(changed.values()))
        await intent_store.set_senders(conn, handed)
        await outbox.enqueue(conn, events)


def code_answers(
    outcomes: Sequence[Outcome],
) -> list[tuple[str, str, str | None, datetime, str]]:
    """Sign-in codes' rows from the sender's answers: sent, or failed once and for all (no
    retry from the database: a code lives minutes, and the member can ask for another)."""
    out: list[tuple[str, str, str | None, datetime, str]] = []
    for o in outcomes:
        job = o.job
        if o.provider_message_id is not None:
            out.append((job.delivery_id, "sent", None, o.at, job.channel))
        elif o.defer_until is not None:
            out.append((job.delivery_id, "channel_down", None, o.at, job.channel))
        else:
            error = o.error or o.refusal
            outcome = "unknown" if error is not None and error.maybe_sent else "failed"
            code = error.code_text if error else None
            out.append((job.delivery_id, outcome, code, o.at, job.channel))
    return out
