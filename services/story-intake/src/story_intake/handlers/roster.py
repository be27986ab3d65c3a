"""The command tree read model: roster.units.v1 records → `units`. The highest version of a unit
wins, within a batch and against what is stored, so a late older record changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from nazar_contracts.units import UnitUpserted
from nazar_platform.db import Connection
from nazar_platform.kafka.consumer import Record
from nazar_platform.kafka.records import parse_record

from story_intake.store import units


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
        [units.UnitRow(u.unit_id, str(u.kind), tuple(u.path), u.version) for u in latest.values()],
    )
