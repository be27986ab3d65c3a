"""SQL of field alerts' cases (issue 15): incidents, their alerts and officers, the chain of units
above a station, and the wake-up of the alert runner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nazar_contracts.alerts import AlertRaised
from nazar_platform.db import Connection

# The alert runner LISTENs here; a transaction that writes an alert job notifies on commit.
RUNNER_CHANNEL = "directive_alert_jobs"

_INCIDENT_COLUMNS = (
    "id, kind, urgency, station_id, circle_id, district_id, range_id, place_text, place_key, "
    "latitude, longitude, alert_count, stage, next_escalation_at, opened_at, last_raised_at, "
    "taken_by, taken_at, closed_by, closed_at, outcome, fir_number, version, updated_at"
)


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: str
    kind: str
    urgency: str
    station_id: str
    circle_id: str | None
    district_id: str | None
    range_id: str | None
    place_text: str
    place_key: str
    latitude: float | None
    longitude: float | None
    alert_count: int
    stage: str
    next_escalation_at: datetime | None
    opened_at: datetime
    last_raised_at: datetime
    taken_by: str | None
    taken_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    outcome: str | None
    fir_number: str | None
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChainUnit:
    id: str
    kind: str
    name_hi: str | None
    name_en: str | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """What the case needs of one alert of an incident."""

    id: str
    kind: str
    urgency: str
    text: str
    place_text: str
    vehicle_number: str | None
    raised_by: str
    raiser_role: str
    station_id: str
    raised_at: datetime


async def lock_station_kind(conn: Connection, station_id: str, kind: str) -> None:
    """Serialise alerts of one station and kind until the transaction ends: two at once must not
    both open an incident."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"alert:{station_id}:{kind}"
    )


async def alert_exists(conn: Connection, alert_id: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM alerts WHERE id = $1", alert_id))


async def open_incidents(
    conn: Connection, station_id: str, kind: str, at: datetime, window: timedelta
) -> list[IncidentRow]:
    """Open incidents of the station and kind whose last alert is within `window` of `at`."""
    rows = await conn.fetch(
        f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE station_id = $1 AND kind = $2 "
        "AND closed_at IS NULL "
        "AND last_raised_at BETWEEN $3::timestamptz - $4::interval "
        "AND $3::timestamptz + $4::interval "
        "ORDER BY last_raised_at DESC, id",
        station_id,
        kind,
        at,
        window,
    )
    return [IncidentRow(**dict(r)) for r in rows]


async def incident(conn: Connection, incident_id: str, *, lock: bool = False) -> IncidentRow | None:
    row = await conn.fetchrow(
        f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = $1"
        + (" FOR UPDATE" if lock else ""),
        incident_id,
    )
    return None if row is None else IncidentRow(**dict(row))


async def insert_incident(conn: Connection, row: IncidentRow) -> None:
    names = [c.strip() for c in _INCIDENT_COLUMNS.split(",")]
    await conn.execute(
        f"INSERT INTO incidents ({_INCIDENT_COLUMNS}) VALUES "
        f"({', '.join(f'${i + 1}' for i in range(len(names)))})",
        *(getattr(row, n) for n in names),
    )


async def insert_alert(conn: Connection, a: AlertRaised, incident_id: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO alerts (id, incident_id, kind, urgency, text, language, place_text, "
        "latitude, longitude, accuracy_m, vehicle_number, photos, raised_by, raiser_role, "
        "station_id, raised_at, received_at, routed_at) VALUES "
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17, $18)",
        a.alert_id,
        incident_id,
        str(a.kind),
        str(a.urgency),
        a.text,
        str(a.language),
        a.place.text,
        a.place.latitude,
        a.place.longitude,
        a.place.accuracy_m,
        a.vehicle_number,
        [p.model_dump(mode="json") for p in a.photos],
        a.raised_by,
        str(a.raiser_role),
        a.station_id,
        a.raised_at,
        a.received_at,
        now,
    )


async def join_incident(
    conn: Connection,
    incident_id: str,
    raised_at: datetime,
    urgency: str,
    next_at: datetime | None,
    now: datetime,
) -> None:
    """One more alert in the incident: its count, its latest raise, the most urgent urgency, and
    when it climbs (`next_at`, as the rules decided)."""
    await conn.execute(
        "UPDATE incidents SET alert_count = alert_count + 1, "
        "last_raised_at = greatest(last_raised_at, $2), "
        "urgency = CASE WHEN $3 = 'immediate' THEN 'immediate' ELSE urgency END, "
        "next_escalation_at = $4, version = version + 1, updated_at = $5 WHERE id = $1",
        incident_id,
        raised_at,
        urgency,
        next_at,
        now,
    )


async def chain(conn: Connection, station_id: str) -> dict[str, ChainUnit]:
    """The station and the units above it, by kind (`range` also for a commissionerate)."""
    rows = await conn.fetch(
        "SELECT u.id, u.kind, u.name_hi, u.name_en FROM units s, unnest(s.path) AS p(id) "
        "JOIN units u ON u.id = p.id WHERE s.id = $1",
        station_id,
    )
    out: dict[str, ChainUnit] = {}
    for r in rows:
        kind = "range" if r["kind"] == "commissionerate" else r["kind"]
        out[kind] = ChainUnit(r["id"], r["kind"], r["name_hi"], r["name_en"])
    return out


async def add_officers(
    conn: Connection,
    incident_id: str,
    officers: Sequence[tuple[str, str, str, UUID]],
    at: datetime,
) -> None:
    """(member, role, stage, message) rows; an officer messaged again keeps their latest stage."""
    if not officers:
        return
    await conn.execute(
        "INSERT INTO incident_officers (incident_id, member_id, role, stage, message_id, added_at) "
        "SELECT $1, m, r, s, g, $6 FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[]) "
        "AS o(m, r, s, g) "
        "ON CONFLICT (incident_id, member_id) DO UPDATE SET role = excluded.role, "
        "stage = excluded.stage, message_id = excluded.message_id, added_at = excluded.added_at",
        incident_id,
        [o[0] for o in officers],
        [o[1] for o in officers],
        [o[2] for o in officers],
        [o[3] for o in officers],
        at,
    )


async def officer_roles(conn: Connection, incident_id: str) -> set[str]:
    """The roles of the officers the incident was routed or escalated to."""
    rows = await conn.fetch(
        "SELECT DISTINCT role FROM incident_officers WHERE incident_id = $1", incident_id
    )
    return {r["role"] for r in rows}


async def officer_role(conn: Connection, incident_id: str, member_id: str) -> str | None:
    found = await conn.fetchval(
        "SELECT role FROM incident_officers WHERE incident_id = $1 AND member_id = $2",
        incident_id,
        member_id,
    )
    return None if found is None else str(found)


async def officer_message_incident(
    conn: Connection, message_id: UUID, member_id: str
) -> tuple[str, str] | None:
    """(incident, role) when the message is an officers' alert message the member was sent as an
    officer of the incident; None for a raiser's notice or anything else."""
    row = await conn.fetchrow(
        "SELECT o.incident_id, o.role FROM messages m "
        "JOIN incident_officers o ON o.incident_id = m.origin_id AND o.member_id = $2 "
        "WHERE m.id = $1 AND m.origin_kind = 'alert' AND m.kind = 'alert'",
        message_id,
        member_id,
    )
    return None if row is None else (row["incident_id"], row["role"])


async def alerts_of(conn: Connection, incident_id: str) -> list[AlertRow]:
    rows = await conn.fetch(
        "SELECT id, kind, urgency, text, place_text, vehicle_number, raised_by, raiser_role, "
        "station_id, raised_at FROM alerts WHERE incident_id = $1 ORDER BY raised_at, id",
        incident_id,
    )
    return [AlertRow(**dict(r)) for r in rows]


async def take(conn: Connection, incident_id: str, member_id: str, at: datetime) -> bool:
    """The member takes the incident unless someone has it or it is closed; escalation stops."""
    found = await conn.fetchval(
        "UPDATE incidents SET taken_by = $2, taken_at = $3, next_escalation_at = NULL, "
        "version = version + 1, updated_at = $3 "
        "WHERE id = $1 AND taken_by IS NULL AND closed_at IS NULL RETURNING true",
        incident_id,
        member_id,
        at,
    )
    return bool(found)


async def close(
    conn: Connection,
    incident_id: str,
    member_id: str,
    outcome: str,
    fir_number: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "UPDATE incidents SET closed_by = $2, closed_at = $5, outcome = $3, fir_number = $4, "
        "next_escalation_at = NULL, version = version + 1, updated_at = $5 WHERE id = $1",
        incident_id,
        member_id,
        outcome,
        fir_number,
        at,
    )


async def move(
    conn: Connection, incident_id: str, units: dict[str, ChainUnit], at: datetime
) -> None:
    """The incident now belongs to another station: routed afresh, nobody has it."""
    await conn.execute(
        "UPDATE incidents SET station_id = $2, circle_id = $3, district_id = $4, range_id = $5, "
        "stage = 'routed', taken_by = NULL, taken_at = NULL, next_escalation_at = NULL, "
        "version = version + 1, updated_at = $6 WHERE id = $1",
        incident_id,
        units["police_station"].id,
        _id(units, "circle"),
        _id(units, "district"),
        _id(units, "range"),
        at,
    )


def _id(units: dict[str, ChainUnit], kind: str) -> str | None:
    found = units.get(kind)
    return None if found is None else found.id


async def set_stage(
    conn: Connection, incident_id: str, stage: str, next_at: datetime | None, at: datetime
) -> None:
    await conn.execute(
        "UPDATE incidents SET stage = $2, next_escalation_at = $3, version = version + 1, "
        "updated_at = $4 WHERE id = $1",
        incident_id,
        stage,
        next_at,
        at,
    )


async def due(conn: Connection, now: datetime, limit: int) -> list[IncidentRow]:
    """Open, untaken incidents whose escalation time has come; locked, skipping those another
    transaction holds (a take in progress decides first)."""
    rows = await conn.fetch(
        f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE next_escalation_at <= $1 "
        "AND closed_at IS NULL AND taken_by IS NULL "
        "ORDER BY next_escalation_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [IncidentRow(**dict(r)) for r in rows]


async def wake_runner(conn: Connection) -> None:
    """Tell the alert runner a job is waiting (delivered when the transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", RUNNER_CHANNEL)


async def first_requested(conn: Connection, job_id: UUID, at: datetime) -> datetime | None:
    """When the job routing a new incident had its records on Kafka, record it on the incident's
    first alert; that alert's raise time the first time, None otherwise (another job, or again)."""
    found: datetime | None = await conn.fetchval(
        "UPDATE alerts a SET first_request_at = $2 FROM jobs j "
        "WHERE j.id = $1 AND j.kind = 'alert' AND j.origin_kind = 'alert' AND a.id = j.origin_id "
        "AND a.first_request_at IS NULL RETURNING a.raised_at",
        job_id,
        at,
    )
    return found


async def open_ages(conn: Connection, now: datetime) -> list[float]:
    """Seconds since each open incident opened."""
    rows = await conn.fetch(
        "SELECT extract(epoch FROM $1 - opened_at)::float8 AS age FROM incidents "
        "WHERE closed_at IS NULL",
        now,
    )
    return [float(r["age"]) for r in rows]


async def routing_opened_at(conn: Connection, message_ids: Sequence[UUID]) -> dict[UUID, datetime]:
    """Of these messages, the ones routing a new incident, with the incident's first raise."""
    rows = await conn.fetch(
        "SELECT m.id, i.opened_at FROM messages m JOIN jobs j ON j.id = m.id AND j.kind = 'alert' "
        "JOIN incidents i ON i.id = m.origin_id "
        "WHERE m.id = ANY($1::uuid[]) AND m.origin_kind = 'alert'",
        list(message_ids),
    )
    return {r["id"]: r["opened_at"] for r in rows}
