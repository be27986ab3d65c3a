"""The roster read models: roster.units.v1 records → `units`, roster.members.v1 → `members` and
`member_consent` (whether a volunteer may send stories). The
highest version of a unit or member wins, within a batch and against what is stored, so a late
older record changes nothing; an erased member (a tombstone) is deleted."""

from __future__ import annotations

from collections.abc import Sequence

from nazar_contracts.erasures import ReadModel
from nazar_contracts.members import MemberUpserted
from nazar_contracts.topics import ERASURE_CONFIRMATIONS
from nazar_contracts.units import UnitUpserted
from nazar_platform.db import Connection
from nazar_platform.kafka.records import Record, parse_record
from nazar_platform.outbox.erasures import confirm_erasures

from story_intake.store import consent, members, units


async def apply_units(conn: Connection, records: Sequence[Record]) -> None:
    latest: dict[str, UnitUpserted] = {}
    for record in records:
        data = parse_record(record)
        if isinstance(data, UnitUpserted):
            held = latest.get(data.unit_id)
            if held is None or data.version >= held.version:
                latest[data.unit_id] = data
    await units.upsert(
        conn,
        [
            units.UnitRow(u.unit_id, str(u.kind), tuple(u.path), u.version, u.name.hi, u.name.en)
            for u in latest.values()
        ],
    )


def _member_row(m: MemberUpserted) -> members.MemberRow:
    postings = sorted(m.postings, key=lambda p: not p.primary)
    return members.MemberRow(
        m.member_id,
        m.name_hi,
        m.name_latin,
        tuple((str(p.role), p.unit_id) for p in postings),
        m.active,
        m.version,
    )


async def apply_members(
    conn: Connection, records: Sequence[Record], confirmations_topic: str = ERASURE_CONFIRMATIONS
) -> None:
    """Members upserted or erased; an erasure is confirmed to the roster on
    `confirmations_topic` in the same transaction (outbox)."""
    latest: dict[str, MemberUpserted | None] = {}
    for record in records:
        data = parse_record(record)
        if isinstance(data, MemberUpserted):
            held = latest.get(data.member_id)
            if held is None or data.version >= held.version:
                latest[data.member_id] = data
        elif data is None and record.key is not None:
            latest[record.key] = None  # erased: whatever came before it in the batch is gone
    erased = [k for k, m in latest.items() if m is None]
    await members.erase(conn, erased)
    await members.upsert(conn, [_member_row(m) for m in latest.values() if m is not None])
    await consent.forget(conn, erased)
    await confirm_erasures(conn, erased, ReadModel.STORY_INTAKE, topic=confirmations_topic)
    await consent.upsert(
        conn,
        [
            consent.ConsentRow(m.member_id, m.consent.required, str(m.consent.state), m.version)
            for m in latest.values()
            if m is not None
        ],
    )
