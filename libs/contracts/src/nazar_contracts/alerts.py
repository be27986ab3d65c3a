"""alert.events.v1 and alert.cases.v1: field alerts, keyed by alert id.

A member who sees something (a gram rakshak, a constable) raises an alert in story-intake, which
stores it and its photos and announces `AlertRaised` on alert.events.v1. From there the directive
service owns the case: it routes the alert at once to the officers of the unit (flash,
acknowledgement required), clusters alerts about one incident, escalates unacknowledged ones, and
announces each change of the case on alert.cases.v1. Story-intake reads alert.cases.v1 to show
the raiser the state of what they raised.

Alerts never leave the chain of command: no public channel, no circle group, no story reads
these topics. Photos never travel through Kafka: each is named by its sha256 and fetched from a
signed, expiring story-intake URL.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from nazar_contracts.base import Id, NazarModel, Text, UnitId, UtcDatetime
from nazar_contracts.publish import MediaUrl, Sha256
from nazar_contracts.vocabulary import Language, Role


class AlertKind(StrEnum):
    SUSPICIOUS = "suspicious"  # a suspicious person or vehicle
    WANTED_PERSON = "wanted_person"  # a wanted person seen
    CROWD_TENSION = "crowd_tension"  # a crowd, communal tension
    LIQUOR_NARCOTICS = "liquor_narcotics"  # illegal liquor or narcotics
    ILLEGAL_MINING = "illegal_mining"
    CYBER_FRAUD = "cyber_fraud"  # a cyber-fraud call
    ROAD_ACCIDENT = "road_accident"
    OTHER = "other"


class Urgency(StrEnum):
    IMMEDIATE = "immediate"  # SHO, CO and SP at once; the range IG after 10 minutes
    SOON = "soon"  # SHO and CO at once; the SP after 60 minutes, the range IG after 60 more


class AlertStage(StrEnum):
    """How far up the chain a case has gone; each stage is a message with its receipts."""

    ROUTED = "routed"  # the SHO and CO (and, for immediate, the SP)
    SP = "sp"  # escalated to the SP (soon only)
    IG = "ig"  # escalated to the range IG


class AlertOutcome(StrEnum):
    """How an officer closed a case ("handed to another station" is `AlertHandedOver`)."""

    ATTENDED = "attended"
    FALSE_ALARM = "false_alarm"
    FIR_REGISTERED = "fir_registered"  # with `fir_number`
    ARREST_MADE = "arrest_made"


class AlertPlace(NazarModel):
    """Where: what the raiser wrote, and the phone's position when it had one."""

    text: Text = Field(max_length=500)
    latitude: float | None = Field(default=None, ge=-90.0, le=90.0)
    longitude: float | None = Field(default=None, ge=-180.0, le=180.0)
    accuracy_m: float | None = Field(default=None, ge=0.0, description="metres, as the phone says")


class AlertPhoto(NazarModel):
    """One photo the raiser attached, fetched by officers' pages from story-intake."""

    sha256: Sha256
    size: int = Field(gt=0, description="bytes")
    media_type: str = Field(pattern=r"^image/[a-z0-9.+-]+$")
    url: MediaUrl = Field(description="signed story-intake URL; expires at `url_expires_at`")
    url_expires_at: UtcDatetime


VehicleNumber = Annotated[str, Field(min_length=4, max_length=16, pattern=r"^[A-Z0-9-]+$")]


# --- alert.events.v1 (story-intake) ---------------------------------------------------------


class AlertRaised(NazarModel):
    """A member raised an alert at a station (their posting's, or one they picked)."""

    alert_id: Id
    kind: AlertKind
    urgency: Urgency
    text: Text = Field(max_length=2000, description="what the raiser wrote, as they wrote it")
    language: Language = Field(description="the language the raiser used")
    place: AlertPlace
    vehicle_number: VehicleNumber | None = Field(default=None, description="normalised: RJ14CA1234")
    photos: list[AlertPhoto] = Field(default_factory=list, max_length=5)
    raised_by: Id = Field(description="member id of the raiser")
    raiser_role: Role
    station_id: UnitId = Field(description="the police station the alert is for")
    raised_at: UtcDatetime = Field(description="when the raiser made it (offline: earlier)")
    received_at: UtcDatetime = Field(description="when story-intake took it in")


# --- alert.cases.v1 (directive) -------------------------------------------------------------


class AlertRouted(NazarModel):
    """The case reached its station's officers (or joined an open incident that had)."""

    alert_id: Id
    incident_id: Id = Field(description="the incident it belongs to: the id of its first alert")
    station_id: UnitId
    officers: list[Id] = Field(description="members messaged for it (none when it joined)")
    joined: bool = Field(description="it joined an open incident: nobody was messaged again")
    at: UtcDatetime


class AlertEscalated(NazarModel):
    """Nobody acknowledged in time: the case went one stage up."""

    alert_id: Id
    incident_id: Id
    stage: AlertStage
    officers: list[Id] = Field(description="members messaged at this stage")
    at: UtcDatetime


class AlertTaken(NazarModel):
    """An officer acknowledged first and has the case; the others see who."""

    alert_id: Id
    incident_id: Id
    taken_by: Id = Field(description="member id")
    taken_by_role: Role
    at: UtcDatetime


class AlertHandedOver(NazarModel):
    """The station that had the case handed it to another, which is routed to afresh."""

    alert_id: Id
    incident_id: Id
    from_station_id: UnitId
    to_station_id: UnitId
    by: Id
    at: UtcDatetime


class AlertClosed(NazarModel):
    """An officer closed the case with its outcome."""

    alert_id: Id
    incident_id: Id
    outcome: AlertOutcome
    fir_number: str | None = Field(default=None, min_length=1, max_length=40)
    closed_by: Id
    closed_by_role: Role
    at: UtcDatetime

    @model_validator(mode="after")
    def _fir_number_with_fir(self) -> Self:
        if (self.outcome is AlertOutcome.FIR_REGISTERED) != (self.fir_number is not None):
            raise ValueError("fir_number is given exactly when the outcome is fir_registered")
        return self
