"""Kafka consumers of the directive service: the roster read model, receipts and replies.

Each runs as a `nazar_platform.kafka.consumer.IdempotentConsumer`: a batch's effect commits in one
transaction, offsets after; a record that does not fit its contract goes to the DLQ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from nazar_contracts import event_types as types
from nazar_contracts.dispatch import DispatchReplied, ReplyKind
from nazar_contracts.erasures import ReadModel
from nazar_contracts.groups import GroupUpserted
from nazar_contracts.members import MESSAGING_CONSENT, ConsentState, MemberUpserted
from nazar_contracts.units import UnitUpserted
from nazar_platform.db import Connection
from nazar_platform.kafka.cloudevents import DecodeError, parse_time
from nazar_platform.kafka.consumer import IdempotentConsumer
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record
from nazar_platform.outbox.erasures import confirm_erasures

from directive.domain.acks import Reply
from directive.domain.reach import FAILED_TYPE, RECEIPT_STATUS
from directive.domain.tree import Unit
from directive.handlers import acks
from directive.handlers.common import Topics
from directive.settings import DirectiveSettings
from directive.store import roster

Handler = Callable[[Connection, Sequence[Record]], Awaitable[None]]


def member_row(m: MemberUpserted) -> roster.MemberRow:
    # The primary posting first: it is where a member is counted when no relayed circle holds one.
    postings = sorted(m.postings, key=lambda p: not p.primary)
    consented = None if not m.consent.required else m.consent.state is ConsentState.GRANTED
    row = roster.MemberRow(
        id=m.member_id,
        roles=[str(p.role) for p in postings],
        unit_ids=[p.unit_id for p in postings],
        active=m.active,
        consented=consented,
        language=str(m.preferred_language),
        name_hi=m.name_hi,
        name_latin=m.name_latin,
        synthetic=m.synthetic,
        version=m.version,
        reachable=m.active and m.consent.state in MESSAGING_CONSENT,
    )
    return row


def unit_of(u: UnitUpserted) -> Unit:
    return Unit(u.unit_id, u.kind, u.parent_id, tuple(u.path), u.active, u.name.hi, u.name.en)


def roster_handler(members_topic: str, groups_topic: str, confirmations_topic: str) -> Handler:
    """units, members and groups; within a batch the last record of each key wins. An erased
    member's deletion is confirmed to the roster in the same transaction (outbox)."""

    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        units: dict[str, UnitUpserted] = {}
        members: dict[str, MemberUpserted | None] = {}
        groups: dict[str, GroupUpserted | None] = {}
        for record in records:
            data = parse_record(record)
            event_type = record.event.type if record.event is not None else ""
            if isinstance(data, UnitUpserted):
                units[data.unit_id] = data
            elif isinstance(data, MemberUpserted):
                members[data.member_id] = data
            elif isinstance(data, GroupUpserted):
                groups[data.group_id] = data
            elif data is None and record.key is not None:
                if event_type == types.GROUP_REMOVED or record.topic == groups_topic:
                    groups[record.key] = None
                elif event_type == types.MEMBER_ERASED or record.topic == members_topic:
                    members[record.key] = None
        await roster.upsert_units(
            conn, [unit_of(u) for u in units.values()], [u.version for u in units.values()]
        )
        await roster.upsert_members(
            conn, [member_row(m) for m in members.values() if m is not None]
        )
        erased = [k for k, m in members.items() if m is None]
        await roster.delete_members(conn, erased)
        await confirm_erasures(conn, erased, ReadModel.DIRECTIVE, topic=confirmations_topic)
        await roster.upsert_groups(
            conn,
            [
                roster.GroupRow(
                    id=g.group_id,
                    kind=str(g.kind),
                    unit_id=g.unit_id,
                    admins=list(g.admins),
                    members=sorted({m.member_id for m in g.members} | set(g.admins)),
                    version=g.version,
                )
                for g in groups.values()
                if g is not None
            ],
        )
        await roster.delete_groups(conn, [k for k, g in groups.items() if g is None])

    return handle


_RECEIPT_TYPES = frozenset({*RECEIPT_STATUS, FAILED_TYPE})


def parse_receipt(record: Record) -> acks.Receipt | None:
    """The fields a receipt's effect needs, read from the decoded JSON: this is the hot path of a
    receipt storm, and validating every receipt against its full model (which recomputes the
    delivery id) costs more than applying it. What the effect needs is still checked: a record
    without a usable delivery id or time is poison and goes to the DLQ."""
    event = record.event
    if event is None or event.type not in _RECEIPT_TYPES:
        return None
    data = event.data
    try:
        delivery = UUID(data["delivery_id"])
        at = parse_time(data["at"])
        if at.tzinfo is None:
            raise ValueError("a receipt time needs its zone")
        failure = None
        if event.type == FAILED_TYPE:
            error = data["error"]
            failure = f"{error['code']}: {error['title']}"
    except (KeyError, TypeError, ValueError, DecodeError) as exc:
        raise PoisonRecordError(f"{event.type} without a usable {exc!s}") from None
    return acks.Receipt(delivery, event.type, at, failure)


def receipts_handler() -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        receipts = [r for r in map(parse_receipt, records) if r is not None]
        if receipts:
            await acks.apply_receipts(conn, receipts)

    return handle


def parse_reply(record: Record) -> Reply | None:
    data = parse_record(record)
    if not isinstance(data, DispatchReplied):
        return None  # an opt-out is the roster's business; consent returns on roster.members
    return Reply(
        member_id=data.member_id,
        received_at=data.received_at,
        text=data.text if data.text is not None else data.button_payload,
        in_reply_to_delivery_id=None
        if data.in_reply_to_delivery_id is None
        else UUID(data.in_reply_to_delivery_id),
        button=data.kind is ReplyKind.BUTTON,
        event_id=record.event_id,
    )


def replies_handler(topics: Topics) -> Handler:
    async def handle(conn: Connection, records: Sequence[Record]) -> None:
        replies = [r for r in map(parse_reply, records) if r is not None]
        if replies:
            await acks.apply_replies(conn, topics, replies)

    return handle


def directive_consumer(
    settings: DirectiveSettings,
    pool: asyncpg.Pool,
    name: str,
    topics: Sequence[str],
    handler: Handler,
    **options: Any,
) -> IdempotentConsumer:
    """One of the service's consumers: its group under the service's prefix, with the service's
    batch, session and retention settings (`options` overrides or adds to them)."""
    return IdempotentConsumer(
        name=f"{settings.consumer_group_prefix}-{name}",
        topics=list(topics),
        pool=pool,
        handler=handler,
        bootstrap=settings.kafka_bootstrap,
        **{
            "batch_max": settings.consumer_batch_max,
            "session_timeout_ms": settings.consumer_session_timeout_ms,
            "retention": settings.processed_event_retention,
            **options,
        },
    )


def consumers(settings: DirectiveSettings, pool: asyncpg.Pool) -> list[IdempotentConsumer]:
    """The roster read model, receipts and replies."""
    return [
        directive_consumer(
            settings,
            pool,
            "roster",
            [settings.topic_units, settings.topic_members, settings.topic_groups],
            roster_handler(
                settings.topic_members, settings.topic_groups, settings.topic_erasure_confirmations
            ),
        ),
        receipts_consumer(settings, pool),
        directive_consumer(
            settings,
            pool,
            "replies",
            [settings.topic_replies],
            replies_handler(
                Topics(events=settings.topic_events, alert_cases=settings.topic_alert_cases)
            ),
        ),
    ]


def receipts_consumer(settings: DirectiveSettings, pool: asyncpg.Pool) -> IdempotentConsumer:
    """Receipts arrive in storms (one to three per delivery of a state-wide fan-out). Their effect
    is naturally idempotent — a status only moves forward, a time is kept once, counters change
    by real transitions only — so they skip the processed-event table, and one transaction
    applies a whole poll across partitions (bench/fanout measures both)."""
    return directive_consumer(
        settings,
        pool,
        "receipts",
        [settings.topic_receipts],
        receipts_handler(),
        batch_max=settings.receipts_batch_max,
        dedupe=False,
        merge_partitions=True,
    )
