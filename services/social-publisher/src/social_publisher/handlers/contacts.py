"""Contacts from the roster (its contacts topic): the numbers and flags the publisher sends by."""

from __future__ import annotations

from collections.abc import Sequence

from nazar_contracts.contacts import ContactUpserted
from nazar_contracts.erasures import ReadModel
from nazar_contracts.topics import ERASURE_CONFIRMATIONS
from nazar_platform import db
from nazar_platform.kafka.records import Record, parse_record
from nazar_platform.outbox.erasures import confirm_erasures

from social_publisher.store import codes, contacts


async def apply_contacts(
    conn: db.Connection,
    records: Sequence[Record],
    confirmations_topic: str = ERASURE_CONFIRMATIONS,
) -> None:
    """Handler of the idempotent consumer of the contacts topic (last record per member wins).

    A tombstone erases the member's contact, confirmed to the roster on `confirmations_topic`
    in the same transaction (outbox); a record that does not fit the contract is
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
        await contacts.delete(conn, erased)
        # Who signed in when is theirs too (the rows would go within a day anyway).
        await codes.forget(conn, erased)
        await confirm_erasures(conn, erased, ReadModel.SOCIAL_PUBLISHER, topic=confirmations_topic)
    if upserts:
        await contacts.upsert(conn, upserts)
