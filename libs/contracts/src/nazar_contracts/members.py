"""roster.members.v1: who is who, without any phone number (those live on roster.contacts.v1)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from nazar_contracts.base import Id, NazarModel, Text, UnitId, UtcDatetime, Version
from nazar_contracts.vocabulary import COMMUNITY_ROLES, Language, Role


class ConsentState(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    # A volunteer whose consent is not recorded yet (e.g. imported from a list): not messaged.
    PENDING = "pending"
    NOT_REQUIRED = "not_required"  # police and officials: messaged in the course of duty


class ConsentMethod(StrEnum):
    FORM = "form"
    APP = "app"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    API = "api"
    IMPORT = "import"


MESSAGING_CONSENT = frozenset({ConsentState.GRANTED, ConsentState.NOT_REQUIRED})


class Consent(NazarModel):
    """Consent to be messaged. Required for community volunteers only."""

    required: bool
    state: ConsentState
    purpose: Text | None = None
    method: ConsentMethod | None = None
    recorded_at: UtcDatetime | None = None
    withdrawn_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _state_fits(self) -> Self:
        if self.required == (self.state is ConsentState.NOT_REQUIRED):
            raise ValueError("state is not_required exactly when consent is not required")
        if self.state is ConsentState.GRANTED and (self.recorded_at is None or self.method is None):
            raise ValueError("granted consent needs recorded_at and method")
        if (self.state is ConsentState.WITHDRAWN) != (self.withdrawn_at is not None):
            raise ValueError("withdrawn_at is set exactly when consent is withdrawn")
        return self


class Posting(NazarModel):
    """One role the member holds at one unit; `unit_path` is the unit's path at publish time."""

    role: Role
    unit_id: UnitId
    unit_path: list[UnitId] = Field(min_length=1)
    primary: bool
    since: date

    @model_validator(mode="after")
    def _path_ends_at_unit(self) -> Self:
        if self.unit_path[-1] != self.unit_id:
            raise ValueError("unit_path must end with unit_id")
        return self


DevanagariName = Annotated[str, Field(min_length=1, pattern="[\u0900-\u097f]")]


class MemberUpserted(NazarModel):
    """The whole current state of one member. Channels are flags only: no phone numbers."""

    member_id: Id
    name_hi: DevanagariName | None = Field(description="name in Devanagari")
    name_latin: Text | None = Field(description="name in Latin script")
    postings: list[Posting]
    preferred_language: Language
    has_whatsapp: bool
    has_sms: bool
    active: bool
    consent: Consent
    personnel_no: Text | None = Field(default=None, description="police personnel number")
    volunteer_id: Text | None = Field(default=None, description="community volunteer id")
    synthetic: bool = Field(description="generated test or demo data: never message for real")
    version: Version
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.name_hi is None and self.name_latin is None:
            raise ValueError("a member needs name_hi or name_latin")
        if self.postings and sum(p.primary for p in self.postings) != 1:
            raise ValueError("exactly one posting is primary")
        volunteer = any(p.role in COMMUNITY_ROLES for p in self.postings)
        if self.postings and self.consent.required != volunteer:
            raise ValueError("consent is required exactly for members with a community role")
        return self
