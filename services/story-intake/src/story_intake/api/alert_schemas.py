"""Request and response schemas of /alerts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from nazar_contracts.alerts import AlertKind, Urgency
from nazar_platform.http.input_guard import AwareTimestamp
from pydantic import BaseModel, ConfigDict, Field


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="where, as the raiser would tell it (village, road, landmark)"
    )
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="metres, as the phone reports it"
    )


class AlertIn(BaseModel):
    """What a member saw. Sent as JSON, or as `multipart/form-data` with this document in the
    part `alert` and up to five photos in parts named `photos`."""

    model_config = ConfigDict(extra="forbid")

    kind: AlertKind
    text: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Hindi or English"
    )
    urgency: Urgency
    place: PlaceIn
    vehicle_number: Annotated[str, Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="as on the plate (any spacing): kept as RJ14CA1234"
    )
    station_id: Annotated[str, Field(min_length=2, max_length=64)] | None = Field(
        default=None,
        description="the police station it is for, when away from one's posting (required "
        "when posted above a station); default: the posting's station",
    )
    raised_at: AwareTimestamp | None = Field(
        default=None, description="when it was raised on the phone (offline: earlier); default now"
    )


class PlaceOut(BaseModel):
    text: str
    latitude: float | None
    longitude: float | None
    accuracy_m: float | None


class AlertPhotoOut(BaseModel):
    """A photo as kept (upright, without metadata); URLs signed, expiring at `url_expires_at`."""

    sha256: str
    size: int
    media_type: str
    width: int
    height: int
    url: str
    thumb_url: str
    web_url: str
    url_expires_at: datetime


class TakenOut(BaseModel):
    """Who has the case: their role and unit, never their number."""

    role: str
    station_id: str | None
    at: datetime


class HandedOverOut(BaseModel):
    from_station_id: str
    to_station_id: str
    at: datetime


class ClosedOut(BaseModel):
    outcome: str
    fir_number: str | None
    role: str
    at: datetime


class CaseOut(BaseModel):
    """The case as the directive reports it (alert.cases.v1)."""

    incident_id: str | None
    joined: bool = Field(description="it joined an open incident about the same thing")
    stage: str | None = Field(description="routed | sp | ig: how far up it went")
    taken: TakenOut | None
    handed_over: HandedOverOut | None
    closed: ClosedOut | None
    updated_at: datetime | None


class AlertOut(BaseModel):
    id: uuid.UUID
    state: str = Field(description="raised | routed | escalated | taken | handed_over | closed")
    kind: AlertKind
    urgency: Urgency
    text: str
    language: str
    place: PlaceOut
    vehicle_number: str | None
    station_id: str = Field(description="the station it is with now (a hand-over moves it)")
    raised_station_id: str
    raised_by: str
    raiser_role: str
    raised_at: datetime
    received_at: datetime
    photos: list[AlertPhotoOut]
    case: CaseOut
    story_id: uuid.UUID | None = Field(description="the story draft an officer started from it")


class StoryFromAlertOut(BaseModel):
    story_id: uuid.UUID
