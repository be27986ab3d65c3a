"""Alerts, their photos, the officers of their case and the raiser's view, in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg
from nazar_platform import db
from nazar_platform.http.pagination import Keyset, Page, Row

from story_intake.domain.alert_cases import Case


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: uuid.UUID
    raised_by: str
    raiser_role: str
    kind: str
    urgency: str
    text: str
    language: str
    place_text: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None
    vehicle_number: str | None
    station_id: str
    raised_station_id: str
    raised_at: datetime
    received_at: datetime
    case: Case
    story_id: uuid.UUID | None = None
    story_by: str | None = None

    @property
    def state(self) -> str:
        return self.case.state


@dataclass(frozen=True, slots=True)
class PhotoRow:
    id: uuid.UUID
    alert_id: uuid.UUID
    position: int
    upload_sha256: str
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    thumb_sha256: str
    web_sha256: str
    added_at: datetime


# What was raised (the case's `station_id` is the same column: a hand-over moves it).
_RAISED = [f.name for f in fields(AlertRow) if f.name not in ("case", "story_id", "story_by")]
_CASE_COLUMNS = [f.name for f in fields(Case) if f.name not in ("station_id", "updated_at")]
_COLUMNS = [*_RAISED, *_CASE_COLUMNS, "case_updated_at", "story_id", "story_by"]
_PHOTO_COLUMNS = [f.name for f in fields(PhotoRow)]
_SELECT = f"SELECT {', '.join('a.' + c for c in _COLUMNS)} FROM alerts a"
# Newest first, as the raiser's phone lists them.
MINE = Keyset(("a.received_at", "a.id"), (datetime, uuid.UUID), descending=True)


def _row(r: Row) -> AlertRow:
    case = Case(
        station_id=r["station_id"],
        updated_at=r["case_updated_at"],
        **{k: r[k] for k in _CASE_COLUMNS},
    )
    return AlertRow(
        **{k: r[k] for k in _RAISED}, case=case, story_id=r["story_id"], story_by=r["story_by"]
    )


def _values(names: Sequence[str]) -> str:
    return ", ".join(f"${i}" for i in range(1, len(names) + 1))


async def insert(conn: db.Connection, row: AlertRow) -> bool:
    """The alert; False when one with its id exists (a retry of the same request)."""
    done = await conn.execute(
        f"INSERT INTO alerts ({', '.join(_RAISED)}) VALUES ({_values(_RAISED)}) "
        "ON CONFLICT (id) DO NOTHING",
        *[getattr(row, n) for n in _RAISED],
    )
    return done.endswith(" 1")


async def insert_photos(conn: db.Connection, photos: Sequence[PhotoRow]) -> None:
    await conn.executemany(
        f"INSERT INTO alert_photos ({', '.join(_PHOTO_COLUMNS)}) "
        f"VALUES ({_values(_PHOTO_COLUMNS)})",
        [[getattr(p, n) for n in _PHOTO_COLUMNS] for p in photos],
    )


async def get(conn: db.Connection, alert_id: uuid.UUID, *, lock: bool = False) -> AlertRow | None:
    suffix = " FOR UPDATE" if lock else ""
    r = await conn.fetchrow(f"{_SELECT} WHERE a.id = $1{suffix}", alert_id)
    return None if r is None else _row(r)


async def photos_of(
    conn: db.Connection, alert_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PhotoRow]]:
    rows = await conn.fetch(
        f"SELECT {', '.join(_PHOTO_COLUMNS)} FROM alert_photos WHERE alert_id = ANY($1::uuid[]) "
        "ORDER BY alert_id, position",
        list(alert_ids),
    )
    out: dict[uuid.UUID, list[PhotoRow]] = {i: [] for i in alert_ids}
    for r in rows:
        out[r["alert_id"]].append(PhotoRow(**{k: r[k] for k in _PHOTO_COLUMNS}))
    return out


async def officers_of(conn: db.Connection, alert_id: uuid.UUID) -> set[str]:
    rows = await conn.fetch("SELECT member_id FROM alert_officers WHERE alert_id = $1", alert_id)
    return {r["member_id"] for r in rows}


async def add_officers(
    conn: db.Connection, alert_id: uuid.UUID, officers: Sequence[tuple[str, str]]
) -> None:
    await conn.executemany(
        "INSERT INTO alert_officers (alert_id, member_id, via) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        [(alert_id, m, via) for m, via in officers],
    )


async def set_case(conn: db.Connection, alert_id: uuid.UUID, case: Case) -> None:
    names = [*_CASE_COLUMNS, "station_id"]
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(names, start=2))
    await conn.execute(
        f"UPDATE alerts SET {sets}, case_updated_at = ${len(names) + 2} WHERE id = $1",
        alert_id,
        *[getattr(case, c) for c in names],
        case.updated_at,
    )


async def set_story(conn: db.Connection, alert_id: uuid.UUID, story_id: uuid.UUID, by: str) -> None:
    await conn.execute(
        "UPDATE alerts SET story_id = $2, story_by = $3 WHERE id = $1", alert_id, story_id, by
    )


async def of_raiser(
    conn: db.Connection | asyncpg.Pool, member_id: str, cursor: str | None, limit: int
) -> Page[AlertRow]:
    where, args = MINE.after(cursor, first_param=2)
    rows = await conn.fetch(
        f"{_SELECT} WHERE a.raised_by = $1 AND {where} ORDER BY {MINE.order_by()} "
        f"LIMIT ${len(args) + 2}",
        member_id,
        *args,
        limit + 1,
    )
    return MINE.page(rows, limit, _row)


@dataclass(frozen=True, slots=True)
class RaiserFacts:
    consent: str | None  # None: the roster has not told us about the member
    posting_kind: str | None  # None: the unit is unknown here
    picked_kind: str | None


async def raiser_facts(
    conn: db.Connection, member_id: str, posting: str, picked: str | None
) -> RaiserFacts:
    """What deciding an alert's station needs, in one round trip (it runs for every alert)."""
    r = await conn.fetchrow(
        "SELECT (SELECT state FROM member_consent WHERE member_id = $1) AS consent,"
        " (SELECT kind FROM units WHERE id = $2) AS posting_kind,"
        " (SELECT kind FROM units WHERE id = $3) AS picked_kind",
        member_id,
        posting,
        picked,
    )
    assert r is not None
    return RaiserFacts(r["consent"], r["posting_kind"], r["picked_kind"])
