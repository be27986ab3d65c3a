"""The alert board's bodies (`GET /api/v1/incidents*`) and the rows they are made from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from nazar_contracts.alerts import AlertKind, AlertOutcome, AlertPhoto, AlertStage, Urgency
from nazar_contracts.vocabulary import Role
from pydantic import BaseModel, Field, TypeAdapter

from directive.api.schemas import Bilingual
from directive.domain import board


class UnitRef(BaseModel):
    id: str
    name: Bilingual


class Person(BaseModel):
    """A member as the board shows them: id, name (Hindi and Latin script) and role."""

    member_id: str
    name: Bilingual
    role: Role | None = None


class Place(BaseModel):
    text: str
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None


class IncidentOut(BaseModel):
    """One incident (a cluster of alerts) on the board; its id is its first alert's."""

    id: str
    kind: AlertKind
    urgency: Urgency
    place: Place
    station: UnitRef
    alert_count: int
    stage: AlertStage
    opened_at: datetime
    last_raised_at: datetime
    age_seconds: int = Field(description="open for this long (until it closed, when closed)")
    taken_by: Person | None = None
    taken_at: datetime | None = None
    closed_by: Person | None = None
    closed_at: datetime | None = None
    outcome: AlertOutcome | None = None
    fir_number: str | None = None
    version: int = Field(description="changes whenever the incident does")


class AlertOut(BaseModel):
    id: str
    kind: AlertKind
    urgency: Urgency
    text: str
    language: str
    place: Place
    vehicle_number: str | None = None
    photos: list[AlertPhoto] = Field(description="signed story-intake URLs, each with its expiry")
    raiser: Person
    station: UnitRef
    raised_at: datetime
    received_at: datetime


class OfficerOut(BaseModel):
    """An officer the incident was routed or escalated to, and how far their message got."""

    officer: Person
    unit: UnitRef | None = None
    stage: AlertStage
    message_id: str
    added_at: datetime
    receipt: board.Receipt
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    acknowledged_at: datetime | None = None


class HistoryEntry(BaseModel):
    at: datetime
    what: board.Happening
    by: str | None = Field(None, description="member id (see `officers` and `alerts`)")
    stage: AlertStage | None = None
    members: list[str] = Field(default_factory=list, description="who was messaged")
    alert_id: str | None = None
    outcome: AlertOutcome | None = None
    fir_number: str | None = None


class IncidentDetail(IncidentOut):
    alerts: list[AlertOut]
    officers: list[OfficerOut]
    history: list[HistoryEntry]


_PHOTOS = TypeAdapter(list[AlertPhoto])


def _unit(unit_id: str, hi: str | None, en: str | None) -> UnitRef:
    return UnitRef(id=unit_id, name=Bilingual(hi=hi, en=en))


def _person(member_id: str | None, hi: str | None, latin: str | None, role: Any) -> Person | None:
    if member_id is None:
        return None
    return Person(member_id=member_id, name=Bilingual(hi=hi, en=latin), role=role)


def incident(r: dict[str, Any], now: datetime) -> IncidentOut:
    return IncidentOut(
        id=r["id"],
        kind=r["kind"],
        urgency=r["urgency"],
        place=Place(text=r["place_text"], latitude=r["latitude"], longitude=r["longitude"]),
        station=_unit(r["station_id"], r["station_name_hi"], r["station_name_en"]),
        alert_count=r["alert_count"],
        stage=r["stage"],
        opened_at=r["opened_at"],
        last_raised_at=r["last_raised_at"],
        age_seconds=board.age_seconds(r["opened_at"], r["closed_at"], now),
        taken_by=_person(
            r["taken_by"], r["taken_by_name_hi"], r["taken_by_name_latin"], r["taken_by_role"]
        ),
        taken_at=r["taken_at"],
        closed_by=_person(
            r["closed_by"], r["closed_by_name_hi"], r["closed_by_name_latin"], r["closed_by_role"]
        ),
        closed_at=r["closed_at"],
        outcome=r["outcome"],
        fir_number=r["fir_number"],
        version=r["version"],
    )


def alert(a: dict[str, Any]) -> AlertOut:
    photos = a["photos"]
    if not isinstance(photos, str):  # jsonb arrives as text unless the pool decodes it
        photos = json.dumps(photos)
    raiser = _person(a["raised_by"], a["raiser_name_hi"], a["raiser_name_latin"], a["raiser_role"])
    assert raiser is not None
    return AlertOut(
        id=a["id"],
        kind=a["kind"],
        urgency=a["urgency"],
        text=a["text"],
        language=a["language"],
        place=Place(
            text=a["place_text"],
            latitude=a["latitude"],
            longitude=a["longitude"],
            accuracy_m=a["accuracy_m"],
        ),
        vehicle_number=a["vehicle_number"],
        # Stored as the event carried them (JSON): read back the way they were written.
        photos=_PHOTOS.validate_json(photos),
        raiser=raiser,
        station=_unit(a["station_id"], a["station_name_hi"], a["station_name_en"]),
        raised_at=a["raised_at"],
        received_at=a["received_at"],
    )


def officer(o: dict[str, Any]) -> OfficerOut:
    person = _person(o["member_id"], o["name_hi"], o["name_latin"], o["role"])
    assert person is not None
    return OfficerOut(
        officer=person,
        unit=None
        if o["unit_id"] is None
        else _unit(o["unit_id"], o["unit_name_hi"], o["unit_name_en"]),
        stage=o["stage"],
        message_id=str(o["message_id"]),
        added_at=o["added_at"],
        receipt=board.receipt(o["status"], bool(o["failed"]), o["acked_at"]),
        delivered_at=o["delivered_at"],
        read_at=o["read_at"],
        acknowledged_at=o["acked_at"],
    )


def history(
    r: dict[str, Any], alerts: list[dict[str, Any]], officers: list[dict[str, Any]]
) -> list[HistoryEntry]:
    entries = board.history(
        alerts=[(a["id"], a["raised_by"], a["raised_at"]) for a in alerts],
        officers=[
            board.OfficerMessage(
                o["member_id"], o["stage"], str(o["message_id"]), o["added_at"], o["acked_at"]
            )
            for o in officers
        ],
        taken=None if r["taken_at"] is None else (r["taken_by"], r["taken_at"]),
        closed=None
        if r["closed_at"] is None
        else (r["closed_by"], r["closed_at"], r["outcome"], r["fir_number"]),
    )
    return [
        HistoryEntry(
            at=e.at,
            what=e.what,
            by=e.by,
            stage=e.stage,
            members=list(e.members),
            alert_id=e.detail.get("alert_id"),
            outcome=e.detail.get("outcome"),
            fir_number=e.detail.get("fir_number"),
        )
        for e in entries
    ]
