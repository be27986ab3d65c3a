"""SQL of intents: one row per delivery, from admission to its last receipt. Functions take a
connection and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import asyncpg
from nazar_platform.db import Connection

from social_publisher.domain.intents import Intent
from social_publisher.domain.receipts import parse as parse_receipt


async def insert(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert new intents; returns the delivery ids that were new (a replay inserts nothing).
    `request` is the delivery's JSON text as it came from Kafka (stored without re-encoding)."""
    if not rows:
        return set()
    inserted = await conn.fetch(
        """INSERT INTO intents (delivery_id, message_id, member_id, priority, channel, kind,
               status, reply_code, request, receipt, error, sender)
           SELECT d, msg, mem, pri, ch, k, st, rc, req::jsonb, rcpt, err, snd
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[],
                       $12::text[])
                AS v(d, msg, mem, pri, ch, k, st, rc, req, rcpt, err, snd)
           ON CONFLICT (delivery_id) DO NOTHING
           RETURNING delivery_id""",
        *[
            [r[k] for r in rows]
            for k in (
                "delivery_id",
                "message_id",
                "member_id",
                "priority",
                "channel",
                "kind",
                "status",
                "reply_code",
                "request",
                "receipt",
                "error",
                "sender",
            )
        ],
    )
    return {r["delivery_id"] for r in inserted}


_INTENT_COLUMNS = (
    "delivery_id, message_id, member_id, priority, channel, kind, status, receipt,"
    " provider_message_id, attempts, possible_duplicate, fallback_from, next_attempt_at,"
    " answered_at, error"
)


def _intent(row: asyncpg.Record) -> Intent:
    values = dict(row)
    values["receipt"] = parse_receipt(values["receipt"])
    return Intent(**{k: values[k] for k in Intent.__slots__})


async def lock(conn: Connection, delivery_ids: Iterable[str]) -> dict[str, Intent]:
    """The intents, locked in delivery id order (every writer locks in this order: no deadlock)."""
    rows = await conn.fetch(
        f"SELECT {_INTENT_COLUMNS} FROM intents WHERE delivery_id = ANY($1::text[]) "
        "ORDER BY delivery_id FOR UPDATE",
        sorted(set(delivery_ids)),
    )
    return {r["delivery_id"]: _intent(r) for r in rows}


async def save(conn: Connection, intents: Sequence[Intent]) -> None:
    if not intents:
        return
    await conn.execute(
        """UPDATE intents AS i SET status = v.status, receipt = v.receipt,
               provider_message_id = v.pmid, attempts = v.attempts,
               possible_duplicate = v.pd, fallback_from = v.fallback_from,
               channel = v.channel, kind = v.kind, next_attempt_at = v.next_at,
               answered_at = v.answered_at, error = v.error, updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bool[],
                       $7::text[], $8::text[], $9::text[], $10::timestamptz[],
                       $11::timestamptz[], $12::jsonb[])
                AS v(id, status, receipt, pmid, attempts, pd, fallback_from, channel, kind,
                     next_at, answered_at, error)
           WHERE i.delivery_id = v.id""",
        [i.delivery_id for i in intents],
        [i.status for i in intents],
        [None if i.receipt is None else str(i.receipt) for i in intents],
        [i.provider_message_id for i in intents],
        [i.attempts for i in intents],
        [i.possible_duplicate for i in intents],
        [i.fallback_from for i in intents],
        [i.channel for i in intents],
        [i.kind for i in intents],
        [i.next_attempt_at for i in intents],
        [i.answered_at for i in intents],
        [i.error for i in intents],
    )


_CLAIM_RETURNING = f"RETURNING {_INTENT_COLUMNS}, request, reply_code"


async def claim_due(
    conn: Connection, channels: Sequence[str], senders: Sequence[str], limit: int
) -> list[tuple[Intent, dict[str, Any]]]:
    """Take due retries (flash first) of these sender numbers (or of none recorded yet): they
    become pending attempts again."""
    rows = await conn.fetch(
        f"""UPDATE intents SET status = 'pending', attempted_at = now(), updated_at = now()
            WHERE delivery_id IN (
                SELECT delivery_id FROM intents
                WHERE status = 'retry' AND next_attempt_at <= now()
                  AND channel = ANY($1::text[])
                  AND (sender = ANY($2::text[]) OR sender IS NULL)
                ORDER BY priority = 'flash' DESC, next_attempt_at
                LIMIT $3 FOR UPDATE SKIP LOCKED)
            {_CLAIM_RETURNING}""",
        list(channels),
        list(senders),
        limit,
    )
    return [(_intent(r), r["request"]) for r in rows]


async def claim_orphans(
    conn: Connection, wait: timedelta, exclude: Sequence[str], limit: int
) -> list[tuple[Intent, dict[str, Any]]]:
    """Intents still unanswered `wait` after their attempt: resend, marked possible duplicate."""
    rows = await conn.fetch(
        f"""UPDATE intents SET attempted_at = now(), possible_duplicate = true,
                attempts = attempts + 1, updated_at = now()
            WHERE delivery_id IN (
                SELECT delivery_id FROM intents
                WHERE status = 'pending' AND answered_at IS NULL
                  AND attempted_at < now() - $1::interval
                  AND NOT (delivery_id = ANY($2::text[]))
                ORDER BY attempted_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            {_CLAIM_RETURNING}""",
        wait,
        list(exclude),
        limit,
    )
    return [(_intent(r), r["request"]) for r in rows]


async def by_provider_id(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT provider_message_id, delivery_id FROM intents "
        "WHERE provider_message_id = ANY($1::text[])",
        list(set(ids)),
    )
    return {r["provider_message_id"]: r["delivery_id"] for r in rows}


async def by_reply_code(conn: Connection, member_id: str, code: str) -> str | None:
    value = await conn.fetchval(
        "SELECT delivery_id FROM intents WHERE member_id = $1 AND upper(reply_code) = upper($2) "
        "ORDER BY created_at DESC LIMIT 1",
        member_id,
        code,
    )
    return None if value is None else str(value)


async def set_senders(conn: Connection, senders: Mapping[str, str]) -> None:
    """Record the number each delivery goes from (its owner's retry poller claims it)."""
    if not senders:
        return
    await conn.execute(
        """UPDATE intents AS i SET sender = v.sender
           FROM unnest($1::text[], $2::text[]) AS v(id, sender)
           WHERE i.delivery_id = v.id AND i.sender IS DISTINCT FROM v.sender""",
        list(senders),
        list(senders.values()),
    )
