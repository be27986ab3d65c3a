"""The HTTP API's request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from nazar_contracts.vocabulary import Language, Role, UnitKind
from pydantic import BaseModel, ConfigDict, Field

UnitCode = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,63}$", examples=["DST-BIKANER"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(_In):
    unit_id: UnitCode
    kind: UnitKind
    name_hi: Name
    name_en: Name
    parent_id: UnitCode | None


class UnitChange(_In):
    name_hi: Name | None = None
    name_en: Name | None = None
    parent_id: UnitCode | None = Field(default=None, description="move the unit under this one")


class Unit(BaseModel):
    unit_id: str
    kind: UnitKind
    name_hi: str
    name_en: str
    parent_id: str | None
    path: list[str]
    active: bool
    closed_at: datetime | None
    version: int | None

    @classmethod
    def from_row(cls, r: Any) -> Unit:
        return cls(
            unit_id=r["unit_id"], kind=r["kind"], name_hi=r["name_hi"], name_en=r["name_en"],
            parent_id=r["parent_id"], path=list(r["path"]), active=r["active"],
            closed_at=r["closed_at"], version=r["version"],
        )  # fmt: skip


class UnitVersion(BaseModel):
    version: int
    recorded_at: datetime
    unit: dict[str, Any] = Field(description="the unit as published in this version")


class PostingIn(_In):
    role: Role
    unit_id: UnitCode
    primary: bool = False
    since: date | None = None


class ConsentIn(_In):
    state: Literal["granted", "withdrawn", "pending"]
    method: Literal["form", "app", "whatsapp", "sms", "api", "import"] | None = None
    purpose: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    given_on: date | None = Field(default=None, description="when consent was given")


class MemberIn(_In):
    """A new member. Police carry a personnel number; volunteers a volunteer id or a phone."""

    personnel_no: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    volunteer_id: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    name_hi: Name | None = None
    name_latin: Name | None = None
    postings: list[PostingIn] = Field(min_length=1)
    whatsapp: Annotated[str, Field(max_length=40)] | None = None
    sms: Annotated[str, Field(max_length=40)] | None = None
    preferred_language: Language = Language.HI
    active: bool = True
    consent: ConsentIn | None = None
    synthetic: bool = False


class MemberChange(_In):
    name_hi: Name | None = None
    name_latin: Name | None = None
    postings: list[PostingIn] | None = Field(default=None, min_length=1)
    whatsapp: Annotated[str, Field(max_length=40)] | None = None
    sms: Annotated[str, Field(max_length=40)] | None = None
    preferred_language: Language | None = None
    active: bool | None = None


class Posting(BaseModel):
    role: Role
    unit_id: str
    unit_name_hi: str
    unit_name_en: str
    unit_path: list[str]
    primary: bool
    since: date


class Consent(BaseModel):
    required: bool
    state: str
    purpose: str | None
    method: str | None
    recorded_at: datetime | None
    withdrawn_at: datetime | None


class MemberSummary(BaseModel):
    member_id: str
    name_hi: str | None
    name_latin: str | None
    postings: list[Posting]
    active: bool


class MemberListItem(MemberSummary):
    """A row of the office's member list: what the filters select on."""

    consent_state: str = Field(description="granted | pending | withdrawn | not_required")
    channels: list[str] = Field(description="whatsapp, sms: the channels with a number")


class Member(MemberSummary):
    personnel_no: str | None
    volunteer_id: str | None
    preferred_language: str
    synthetic: bool
    consent: Consent
    # Shown to the member and to those who may change their record; None otherwise.
    whatsapp: str | None = None
    sms: str | None = None
    version: int | None


class ConsentChange(_In):
    state: Literal["granted", "withdrawn"]
    method: Literal["form", "app", "whatsapp", "sms", "api"] = "api"
    purpose: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class Group(BaseModel):
    group_id: str
    kind: str
    unit_id: str
    name_hi: str
    name_en: str
    version: int | None
    member_count: int | None = None


class GroupMember(BaseModel):
    member_id: str
    role: Role
    unit_id: str
    admin: bool
    name_hi: str | None
    name_latin: str | None
    unit_name_hi: str | None = None
    unit_name_en: str | None = None


class RowProblem(BaseModel):
    """One problem of a rejected row (not the platform's problem document)."""

    code: str
    column: str | None
    hi: str
    en: str


class RejectedRow(BaseModel):
    row: int
    key: str | None = Field(description="personnel number or volunteer id; never a phone")
    problems: list[RowProblem] = Field(description="every problem of the row")


ImportStatus = Literal[
    "running", "awaiting_confirmation", "done", "failed", "interrupted", "expired"
]


class PersonName(BaseModel):
    member_id: str
    name_hi: str | None
    name_latin: str | None


class SyncReview(BaseModel):
    """A full sync's review: nothing is applied until it is confirmed."""

    would_deactivate: int = Field(description="members listed at …/deactivations")
    active: int = Field(description="active members of the list's kind in the uploader's area")
    confirmations_needed: int = Field(description="1: the uploader; 2: and a second officer")
    confirmed_by: list[str]
    confirmers: list[PersonName] = Field(
        default_factory=list, description="who confirmed, first first, by name"
    )
    confirm_before: datetime | None


class ImportOut(BaseModel):
    import_id: str
    kind: str
    full_sync: bool
    filename: str | None
    status: ImportStatus = Field(
        description="failed: nothing was applied; interrupted: stopped after applying some rows "
        "(counts.applied), upload the file again to complete it"
    )
    error: str | None
    total_rows: int
    counts: dict[str, int]
    received_at: datetime
    finished_at: datetime | None
    review: SyncReview | None = Field(default=None, description="a full sync's review")
    uploaded_by: str | None = None
    uploaded_by_name_hi: str | None = None
    uploaded_by_name_latin: str | None = None


class ImportDetail(ImportOut):
    rejected_rows_kept: bool = Field(
        description="the rejected rows are kept as written: GET …/rejected.csv hands them back"
    )


class ImportReport(ImportDetail):
    rejected: list[RejectedRow]
    next_cursor: str | None


class Deactivation(BaseModel):
    member_id: str
    key: str | None = Field(description="personnel number or volunteer id; never a phone")
    name_hi: str | None
    name_latin: str | None
    role: Role | None
    unit_id: str | None
    active: bool
