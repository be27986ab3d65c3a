"""Kafka consumers of the directive service: receipts, replies and the roster read model.

Each runs as a `nazar_platform.consumer.IdempotentConsumer`: a batch's effect and the ids of its
events commit in one transaction, offsets after; a record that cannot be applied goes to the DLQ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from nazar_platform.cloudevents import parse_time
from nazar_platform.consumer import PoisonRecordError, Record
from nazar_platform.db import Connection

from directive.domain.acks import Reply
from directive.domain.reach import FAILED_TYPE, RECEIPT_STATUS
from directive.handlers import acks
from directive.handlers.common import Topics

REPLIED_TYPE = "nazar.dispatch.replied.v1"
OPTED_OUT_TYPE = "nazar.dispatch.opted_out.v1"


def _time(data: dict[str, Any], fallback: datetime, *names: str) -> datetime:
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            return parse_time(value)
    return fallback


def parse_receipt(record: Record) -> acks.Receipt | None:
    event = record.event
    if event is None or (event.type not in RECEIPT_STATUS and event.type != FAILED_TYPE):
        return None
    data = event.data if isinstance(event.data, dict) else {}
    try:
        delivery_id = UUID(str(data.get("delivery_id") or record.key))
    except ValueError as exc:
        raise PoisonRecordError(f"receipt without a delivery id: {exc}") from exc
    failure = None
    if event.type == FAILED_TYPE:
        code = data.get("error_code") or data.get("code")
        reason = data.get("reason") or data.get("error_title")
        failure = ": ".join(str(x) for x in (code, reason) if x) or "failed"
    at = _time(data, event.time, "occurred_at", "status_at", "at")
    return acks.Receipt(delivery_id, event.type, at, failure)


def receipts_handler() -> Any:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        receipts = [r for r in map(parse_receipt, records) if r is not None]
        if receipts:
            await acks.apply_receipts(conn, receipts)

    return handle


def parse_reply(record: Record) -> Reply | None:
    event = record.event
    if event is None or event.type != REPLIED_TYPE or not isinstance(event.data, dict):
        return None  # opt-outs are the roster's business; consent comes back on roster.members
    data = event.data
    member_id = data.get("member_id") or record.key
    if not member_id:
        raise PoisonRecordError("reply without a member id")
    context = data.get("in_reply_to_delivery_id")
    try:
        in_reply_to = UUID(str(context)) if context else None
    except ValueError as exc:
        raise PoisonRecordError(f"bad in_reply_to_delivery_id: {exc}") from exc
    text = data.get("text") or data.get("button_text") or data.get("payload")
    return Reply(
        member_id=str(member_id),
        received_at=_time(data, event.time, "received_at", "replied_at", "at"),
        text=None if text is None else str(text),
        in_reply_to_delivery_id=in_reply_to,
        button=data.get("kind") == "button" or data.get("button") is True,
    )


def replies_handler(topics: Topics) -> Any:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        replies = [r for r in map(parse_reply, records) if r is not None]
        if replies:
            await acks.apply_replies(conn, topics, replies)

    return handle
