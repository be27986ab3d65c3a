"""alert.cases.v1 → the raiser's view of each alert's case (routed, escalated stage, taken by
which role of which station, handed over, closed with its outcome) and the officers who may read
it.

Applying an event twice changes nothing (the consumer records each event id, and the case's
rules never move it back). A case event for an alert this service never raised cannot be
applied: it is poison, and the consumer sends it to the DLQ rather than inventing an alert.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from nazar_platform.db import Connection
from nazar_platform.kafka.records import PoisonRecordError, Record, parse_record

from story_intake.domain import alert_cases as cases
from story_intake.store import alerts as store
from story_intake.store import members


async def _station_of(conn: Connection, member_id: str, role: str) -> str | None:
    """The taker's unit for the role they took it as (the roster's read model), for the raiser:
    "the SHO of Tijara has it" — never their phone."""
    member = await members.get(conn, member_id)
    if member is None:
        return None
    units = [unit for r, unit in member.postings if r == role]
    return units[0] if units else None


async def apply_cases(conn: Connection, records: Sequence[Record]) -> None:
    for record in records:
        data = parse_record(record)
        if not isinstance(data, cases.CaseEvent):
            continue  # a tombstone, or a type this service does not read
        alert_id = uuid.UUID(data.alert_id) if _is_uuid(data.alert_id) else None
        row = await store.get(conn, alert_id, lock=True) if alert_id else None
        if row is None or alert_id is None:
            raise PoisonRecordError(f"no alert {data.alert_id} was raised in story-intake")
        await store.add_officers(conn, alert_id, cases.officers_of(data))
        after = cases.apply(row.case, data)
        if after == row.case:
            continue
        if after.taken_by is not None and after.taken_by != row.case.taken_by:
            station = await _station_of(conn, after.taken_by, after.taken_role or "")
            after = replace(after, taken_station_id=station)
        await store.set_case(conn, alert_id, after)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
