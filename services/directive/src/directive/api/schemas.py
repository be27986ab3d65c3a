"""Request and response bodies of the directive API (`/api/v1`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from nazar_contracts.base import UnitId
from nazar_contracts.directives import DirectiveKind, Priority, RelayMode
from nazar_contracts.vocabulary import Role
from nazar_platform.http.input_guard import AwareTimestamp
from pydantic import BaseModel, ConfigDict, Field, model_validator

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=20_000)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(BaseModel):
    """Text in Hindi (`hi`, Devanagari) and/or English (`en`)."""

    hi: str | None = None
    en: str | None = None


class TitleIn(_In):
    hi: Title | None = None
    en: Title | None = None


class BodyIn(_In):
    hi: Body | None = None
    en: Body | None = None


class AudienceIn(_In):
    unit_ids: list[UnitId] = Field(
        default_factory=list,
        max_length=500,
        description="ranges, commissionerates, districts or circles; empty: the whole state",
    )
    roles: list[Role] | None = Field(
        default=None, min_length=1, description="only these roles (the command chain always)"
    )


class IssueIn(_In):
    kind: DirectiveKind = DirectiveKind.DIRECTIVE
    priority: Priority = Priority.ROUTINE
    title: TitleIn
    body: BodyIn
    audience: AudienceIn = Field(default_factory=AudienceIn)
    ack_required: bool = True
    relay_mode: RelayMode = RelayMode.MANUAL
    relay_deadline_seconds: int | None = Field(
        default=None, gt=0, le=30 * 86400, description="default: by priority (15 min, 2 h, 24 h)"
    )
    ack_window_seconds: int | None = Field(
        default=None, gt=0, le=30 * 86400, description="default: by priority (30 min, 4 h, 48 h)"
    )
    ack_threshold: float | None = Field(default=None, gt=0, le=1, description="default 0.8")
    expires_at: AwareTimestamp | None = Field(
        default=None, description="default: 7 days after issue"
    )
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    public_post_url: str | None = Field(
        default=None,
        max_length=2048,
        description="a campaign only: the public post it promotes (https, on x.com, twitter.com, "
        "facebook.com or instagram.com: NAZAR_CAMPAIGN_POST_HOSTS); each circle it is relayed "
        "to gets its own tracked link to it",
    )

    @model_validator(mode="after")
    def _one_language(self) -> Self:
        if not ((self.title.hi and self.body.hi) or (self.title.en and self.body.en)):
            raise ValueError("title and body are needed in Hindi or in English")
        return self


class UpdateIn(_In):
    title: TitleIn
    body: BodyIn
    expires_at: AwareTimestamp | None = None

    @model_validator(mode="after")
    def _one_language(self) -> Self:
        if not ((self.title.hi and self.body.hi) or (self.title.en and self.body.en)):
            raise ValueError("title and body are needed in Hindi or in English")
        return self


class CancelIn(_In):
    reason: Note | None = None


class RelayIn(_In):
    district_id: UnitId
    circle_ids: list[UnitId] | None = Field(
        default=None, min_length=1, description="only these circles; default: every targeted one"
    )
    note: Note | None = Field(default=None, description="the SP's local instruction")


class NoteIn(_In):
    circle_id: UnitId
    text: Note


class AckIn(_In):
    message_id: uuid.UUID | None = Field(
        default=None, description="one message; default: every message that asked for it"
    )


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str


class MessageOut(BaseModel):
    id: uuid.UUID
    kind: str
    seq: int
    title: Bilingual
    body: Bilingual
    ack_requested: bool
    reply_code: str
    unit_id: str | None
    created_by: str | None
    created_at: datetime


class RelayOut(BaseModel):
    relay_id: uuid.UUID
    district_id: str
    circle_ids: list[str]
    note: str | None
    relayed_by: str | None
    automatic: bool
    at: datetime


class DistrictOut(BaseModel):
    district_id: str
    range_id: str | None
    circle_ids: list[str] | None = Field(description="targeted circles; null: all of them")
    relayed_at: datetime | None
    overdue_at: datetime | None = Field(description="escalated to the IG, or relayed for them")


class EscalationOut(BaseModel):
    message_id: uuid.UUID
    kind: str
    unit_id: str
    recipients: list[str]
    ack_share: float | None
    at: datetime


class DirectiveOut(BaseModel):
    id: uuid.UUID
    kind: DirectiveKind
    state: str
    priority: Priority
    title: Bilingual
    body: Bilingual
    audience: AudienceIn
    ack_required: bool
    relay_mode: RelayMode
    relay_deadline: datetime
    ack_window_seconds: int
    ack_threshold: float
    expires_at: datetime
    attachments: list[AttachmentOut]
    issued_by: str
    issued_at: datetime
    original_message_id: uuid.UUID
    first_request_at: datetime | None
    last_request_at: datetime | None
    version: int
    public_post_url: str | None = Field(
        default=None, description="a campaign's public post (its circles get tracked links)"
    )


class DirectiveDetail(DirectiveOut):
    messages: list[MessageOut]
    districts: list[DistrictOut]
    relays: list[RelayOut]
    escalations: list[EscalationOut]


class AckOut(BaseModel):
    delivery_id: uuid.UUID
    message_id: uuid.UUID
    via: str
    at: datetime


class Counts(BaseModel):
    targeted: int
    sent: int
    delivered: int
    read: int
    acknowledged: int
    failed: int
    ack_share: float | None = Field(description="acknowledged / targeted")


class UnitReach(BaseModel):
    unit_id: str
    kind: str | None
    name: Bilingual
    parent_id: str | None
    depth: int = Field(description="1 state, 2 range, 3 district, 4 circle, 5 police station")
    counts: Counts


class MessageReach(BaseModel):
    message_id: uuid.UUID
    kind: str
    seq: int
    unit_id: str | None
    counts: Counts


class ReachOut(BaseModel):
    directive_id: uuid.UUID
    message_id: uuid.UUID = Field(description="the message these units count (the original)")
    as_of: datetime
    totals: Counts
    units: list[UnitReach]
    messages: list[MessageReach]
    escalations: list[EscalationOut]


class StoryReachOut(BaseModel):
    """Reach of a story's circulation: the same counters as a directive's, per unit."""

    story_id: str
    message_id: uuid.UUID = Field(description="the circulation's message")
    kind: str = Field(description="the story's kind")
    scope: Literal["phq_admin", "district", "range", "state"]
    district_id: str = Field(description="the author's district")
    range_id: str | None
    circles: int = Field(description="circle groups it went to (besides the PHQ admin group)")
    recipients: int = Field(description="members of those groups when it was approved")
    approved_by: str
    approved_at: datetime
    fanned_out: bool = Field(description="every delivery of it is on its way")
    as_of: datetime
    totals: Counts
    units: list[UnitReach]


class LaggardDistrict(BaseModel):
    district_id: str
    name: Bilingual
    relay_deadline: datetime
    overdue: bool
    overdue_at: datetime | None


class LaggardCircle(BaseModel):
    circle_id: str
    district_id: str
    name: Bilingual
    relayed_at: datetime
    window_ends: datetime
    stage: Literal["watching", "co_escalated", "sp_escalated", "satisfied"]
    targeted: int
    acknowledged: int
    ack_share: float | None


class LaggardsOut(BaseModel):
    directive_id: uuid.UUID
    as_of: datetime
    districts_not_relayed: list[LaggardDistrict]
    circles_below_threshold: list[LaggardCircle]


class OriginOut(BaseModel):
    kind: Literal["directive", "story", "alert", "account"]
    id: str


class InboxItem(BaseModel):
    delivery_id: uuid.UUID
    directive_id: uuid.UUID | None = Field(description="None for a message that is no directive's")
    origin: OriginOut = Field(description="what the message belongs to: a directive or a story")
    message_id: uuid.UUID
    kind: str
    priority: Priority
    title: Bilingual
    body: Bilingual
    note: str | None = Field(description="the SP's note that came with the relay")
    ack_requested: bool
    reply_code: str | None
    status: Literal["requested", "sent", "delivered", "read"]
    failed: bool
    requested_at: datetime
    acknowledged_at: datetime | None
    attachments: list[AttachmentOut]
    post_link: str | None = Field(
        default=None,
        description="a campaign's public post as the member received it: their circle's "
        "tracked link, or the post itself",
    )


class UnitOut(BaseModel):
    id: str
    kind: str
    parent_id: str | None
    path: list[str]
    name: Bilingual
    active: bool


class CircleCampaignOut(BaseModel):
    circle_id: str
    name: Bilingual
    counts: Counts = Field(description="the campaign's text to the circle's members (reach)")
    link: str | None = Field(description="the circle's tracked link; null before its relay")
    opens: int = Field(description="times people opened the circle's link (not previews, HEAD)")


class DistrictCampaignOut(BaseModel):
    district_id: str
    name: Bilingual
    counts: Counts
    opens: int = Field(description="the district's circles' link opens together")
    circles: list[CircleCampaignOut]


class CampaignReachOut(BaseModel):
    """A campaign's reach: who received it and how often each circle's link was opened."""

    directive_id: uuid.UUID
    public_post_url: str | None
    as_of: datetime
    totals: Counts
    opens: int
    districts: list[DistrictCampaignOut]
