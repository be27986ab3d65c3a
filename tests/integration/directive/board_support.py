"""Incidents written straight into the directive's tables, as the case side leaves them (migration
007: incidents, alerts, incident_officers; each officer's message of origin ('alert', incident)
and its delivery), so that the board's reads can be tested on rows of known shape. They carry no
escalation time: the tests escalate them themselves (`message_officers`), never the service's
escalation loop.

Every change bumps the incident's `version` and `updated_at`, as the case side does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from nazar_platform.db import Connection

from tests.integration.directive.roster import Roster

AT = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
ALERT_TEXT = "गाँव के चौराहे पर भीड़ जमा है, दो गुटों में तनाव है, पत्थरबाज़ी का डर है।"
PLACE = "रामपुरा चौराहा, बस स्टैंड के पास"


@dataclass
class Incident:
    id: str
    station: str
    officers: dict[str, str] = field(default_factory=dict)  # member id → role
    messages: dict[str, uuid.UUID] = field(default_factory=dict)  # member id → message id


def chain(roster: Roster, station: str, *, sp: bool = True) -> list[tuple[str, str]]:
    """(member, role) of the station's SHO and its circle's CO (and the district's SP)."""
    _, _, district, circle, _ = roster.unit_paths[station]
    found = [(roster.one("sho", station), "sho"), (roster.one("co", circle), "co")]
    if sp:
        found.append((roster.one("sp", district), "sp"))
    return found


async def open_incident(
    pool: asyncpg.Pool,
    roster: Roster,
    incident_id: str,
    station: str,
    *,
    raiser: str,
    raiser_role: str = "gram_rakshak",
    kind: str = "crowd_tension",
    urgency: str = "immediate",
    opened_at: datetime = AT,
    text: str = ALERT_TEXT,
    place: str = PLACE,
    vehicle_number: str | None = None,
    photos: list[dict[str, object]] | None = None,
) -> Incident:
    """A new incident with its first alert, routed to the SHO, CO (and SP for immediate)."""
    path = roster.unit_paths[station]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO incidents (id, kind, urgency, station_id, circle_id, district_id,
                   range_id, place_text, place_key, latitude, longitude, stage,
                   next_escalation_at, opened_at, last_raised_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 28.0, 73.3, 'routed', $9::timestamptz,
                   $10, $10, $10)""",
            incident_id,
            kind,
            urgency,
            station,
            path[3],
            path[2],
            path[1],
            place,
            None,
            opened_at,
        )
        await _alert(
            conn,
            incident_id,
            incident_id,
            station,
            raiser=raiser,
            raiser_role=raiser_role,
            kind=kind,
            urgency=urgency,
            at=opened_at,
            text=text,
            place=place,
            vehicle_number=vehicle_number,
            photos=photos or [],
        )
    found = Incident(incident_id, station)
    await message_officers(
        pool, found, chain(roster, station, sp=urgency == "immediate"), "routed", opened_at
    )
    return found


async def _alert(conn: Connection, alert_id: str, incident_id: str, station: str, *,
                 raiser: str, raiser_role: str, kind: str, urgency: str, at: datetime, text: str,
                 place: str, vehicle_number: str | None,
                 photos: list[dict[str, object]]) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO alerts (id, incident_id, kind, urgency, text, language, place_text,
               latitude, longitude, accuracy_m, vehicle_number, photos, raised_by, raiser_role,
               station_id, raised_at, received_at, routed_at)
           VALUES ($1, $2, $3, $4, $5, 'hi', $6, 28.0, 73.3, 12.5, $7, $8::jsonb, $9, $10, $11,
               $12, $12, $12)""",
        alert_id,
        incident_id,
        kind,
        urgency,
        text,
        place,
        vehicle_number,
        json.dumps(photos),
        raiser,
        raiser_role,
        station,
        at,
    )


async def join(
    pool: asyncpg.Pool, incident: Incident, alert_id: str, *, raiser: str, at: datetime
) -> None:
    """Another alert joins the incident: counted, nobody messaged again."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT * FROM incidents WHERE id = $1", incident.id)
        assert row is not None
        await _alert(
            conn,
            alert_id,
            incident.id,
            incident.station,
            raiser=raiser,
            raiser_role="constable",
            kind=row["kind"],
            urgency=row["urgency"],
            at=at,
            text="दूसरी सूचना: भीड़ बढ़ रही है।",
            place=row["place_text"],
            vehicle_number=None,
            photos=[],
        )
        await _bump(conn, incident.id, "alert_count = alert_count + 1, last_raised_at = $2", at)


async def message_officers(
    pool: asyncpg.Pool,
    incident: Incident,
    officers: list[tuple[str, str]],
    stage: str,
    at: datetime,
) -> uuid.UUID:
    """One message of origin ('alert', incident) to `officers`, with their deliveries."""
    message_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO messages (id, kind, seq, title_hi, body_hi, ack_requested, reply_code,
                   created_at, origin_kind, origin_id, priority)
               VALUES ($1, 'alert', 1, 'अलर्ट', $2, true, 'A1B2', $3, 'alert', $4, 'flash')""",
            message_id,
            ALERT_TEXT,
            at,
            incident.id,
        )
        for member, role in officers:
            await conn.execute(
                """INSERT INTO incident_officers (incident_id, member_id, role, stage, message_id,
                       added_at) VALUES ($1, $2, $3, $4, $5, $6)""",
                incident.id,
                member,
                role,
                stage,
                message_id,
                at,
            )
            await conn.execute(
                """INSERT INTO deliveries (id, message_id, member_id, job_id, unit_id,
                       ack_requested, requested_at, origin_kind, origin_id)
                   VALUES ($1, $2, $3, $4, 'PHQ', true, $5, 'alert', $6)""",
                uuid.uuid5(message_id, member),
                message_id,
                member,
                uuid.uuid4(),
                at,
                incident.id,
            )
            incident.officers[member] = role
            incident.messages[member] = message_id
        if stage != "routed":
            await _bump(conn, incident.id, "stage = $2", stage)
    return message_id


async def receipt(
    pool: asyncpg.Pool, incident: Incident, member: str, status: int, at: datetime
) -> None:
    """The officer's message reached `status` (2 delivered, 3 read) at `at`."""
    await pool.execute(
        """UPDATE deliveries SET status = $3::smallint, delivered_at = $4,
               read_at = CASE WHEN $3::smallint >= 3 THEN $4::timestamptz END
           WHERE message_id = $1 AND member_id = $2""",
        incident.messages[member],
        member,
        status,
        at,
    )


async def take(pool: asyncpg.Pool, incident: Incident, member: str, at: datetime) -> None:
    """The officer acknowledged first: their delivery is acknowledged, the incident taken."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """UPDATE deliveries SET status = 3, delivered_at = $3, read_at = $3, acked_at = $3,
                   ack_via = 'button' WHERE message_id = $1 AND member_id = $2""",
            incident.messages[member],
            member,
            at,
        )
        await _bump(
            conn,
            incident.id,
            "taken_by = $2, taken_at = $3, next_escalation_at = NULL",
            member,
            at,
        )


async def close(
    pool: asyncpg.Pool,
    incident: Incident,
    member: str,
    outcome: str,
    at: datetime,
    fir_number: str | None = None,
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _bump(
            conn,
            incident.id,
            "closed_by = $2, closed_at = $3, outcome = $4, fir_number = $5, "
            "next_escalation_at = NULL",
            member,
            at,
            outcome,
            fir_number,
        )


async def hand_over(pool: asyncpg.Pool, incident: Incident, station: str) -> None:
    """Handed to `station` (the case side also messages its officers; the board needs only
    where the incident now is)."""
    async with pool.acquire() as conn, conn.transaction():
        await _bump(conn, incident.id, "station_id = $2", station)
    incident.station = station


async def _bump(conn: Connection, incident_id: str, sets: str, *args: object) -> None:
    await conn.execute(
        f"UPDATE incidents SET {sets}, version = version + 1, updated_at = now() WHERE id = $1",
        incident_id,
        *args,
    )
