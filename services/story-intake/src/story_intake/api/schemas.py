"""Request and response schemas of story-intake's API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from nazar_contracts.publish import Overflow
from nazar_contracts.stories import CirculationScope, PublicChannel, ReviewLevel, StoryKind
from pydantic import BaseModel, Field, model_validator

from story_intake.domain.chain import Decision, State
from story_intake.domain.redact import MARK_EN, MARK_HI
from story_intake.domain.rules import RULES, Finding, GateResult, Verdict

RuleName = Literal[tuple(RULES)]  # type: ignore[valid-type]


class Why(BaseModel):
    en: str
    hi: str


class FindingOut(BaseModel):
    rule: str
    start: int = Field(description="Index of the finding's first character in the text sent")
    end: int = Field(description="Index just after its last character")
    text: str
    why: Why

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls.model_validate(finding.as_dict())


class GateOut(BaseModel):
    verdict: Literal["block", "review", "pass"]
    findings: list[FindingOut]
    sexual_offence: bool
    child_involved: bool

    @classmethod
    def of(cls, result: GateResult) -> GateOut:
        return cls(
            verdict=result.verdict.value,
            findings=[FindingOut.of(f) for f in result.findings],
            sexual_offence=result.sexual_offence,
            child_involved=result.child_involved,
        )


class CheckIn(BaseModel):
    text: str


class RedactIn(BaseModel):
    text: str
    rules: list[RuleName] | None = Field(  # type: ignore[valid-type]
        default=None, description="Redact the findings of these rules"
    )
    findings: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        default=None,
        description="Redact these findings: indexes into the findings /gate/check answers for "
        "the same text (wins over `rules`). Neither: every `block` finding.",
    )
    language: Literal["hi", "en"] | None = Field(
        default=None,
        description=f"The marker: hi {MARK_HI!r}, en {MARK_EN!r}; by default the text's language",
    )


class RedactOut(BaseModel):
    text: str
    redacted: list[FindingOut] = Field(description="The findings replaced, on the text sent")
    gate: GateOut = Field(description="The gate's verdict on the new text")


# --- stories --------------------------------------------------------------------------------

Title = Annotated[str, Field(min_length=1, max_length=300)]
Body = Annotated[str, Field(min_length=1, max_length=10_000)]


class TitleIn(BaseModel):
    hi: Title | None = None
    en: Title | None = None


class TextIn(BaseModel):
    hi: Body | None = None
    en: Body | None = None


class StoryIn(BaseModel):
    """A story from the field: Hindi and/or English. The FIR or case reference stays internal."""

    kind: StoryKind
    title: TitleIn
    text: TextIn
    place: Annotated[str, Field(max_length=300)] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    event_date: date | None = None
    case_ref: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="FIR or case reference; internal only, never public"
    )

    @model_validator(mode="after")
    def _some_text(self) -> StoryIn:
        if not (self.title.hi or self.title.en) or not (self.text.hi or self.text.en):
            raise ValueError("a title and a text in Hindi or English are needed")
        return self


class NewStoryIn(StoryIn):
    submit: bool = Field(default=False, description="send it up at once; false keeps a draft")


class DecisionIn(BaseModel):
    decision: Decision
    note: Annotated[str, Field(max_length=2_000)] | None = Field(
        default=None, description="what to change (send back), or why (reject)"
    )


class StepOut(BaseModel):
    action: str
    level: ReviewLevel | None
    by: str
    by_role: str
    note: str | None
    at: datetime


class ClaimOut(BaseModel):
    by: str
    by_role: str
    at: datetime
    lapses_at: datetime


class ApprovalOut(BaseModel):
    scope: CirculationScope
    public_channels: list[PublicChannel]
    versions: dict[str, int] = Field(description="channel → the version approved")
    by: str
    by_role: str
    at: datetime
    overflow: Overflow = Field(
        default=Overflow.REFUSE, description="X: a version over 280 refused, or sent as a thread"
    )


class WithdrawalOut(BaseModel):
    state: Literal["requested", "task_open", "confirmed", "withdrawn", "failed"] = Field(
        description="requested (withdrawing…) → Instagram: task_open (delete it in the app) → "
        "confirmed → withdrawn; or failed (the network refused; ask again)"
    )
    reason: str | None = Field(description="why it is taken down")
    by: str | None
    by_role: str | None
    at: datetime | None
    task_id: str | None = Field(description="Instagram's by-hand task, while one is open")
    task_opened_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    method: Literal["api", "by_hand"] | None
    failure: str | None = Field(description="why the network refused, in the publisher's words")
    failure_code: str | None = Field(description="the network's own code")
    done_at: datetime | None


class PostOut(BaseModel):
    post_id: str
    channel: PublicChannel
    version: int
    state: Literal["requested", "posted", "failed"]
    provider_post_id: str | None
    public_url: str | None
    public_urls: list[str] = Field(
        default_factory=list, description="where the public sees it: every part of an X thread"
    )
    reason: str | None = Field(description="why it failed, in the publisher's words")
    provider_code: str | None = Field(default=None, description="the network's code of a failure")
    retryable: bool | None
    account_id: str | None = Field(default=None, description="the official account it went on")
    overflow: Overflow | None = None
    withdrawal: WithdrawalOut | None = None
    requested_at: datetime
    updated_at: datetime


class AccountOut(BaseModel):
    account_id: str
    channel: PublicChannel
    name: str | None
    state: Literal["stopped", "active"]
    reason: str | None = Field(description="why it cannot post, in the publisher's words")
    provider_code: str | None
    since: datetime


class AccountsOut(BaseModel):
    items: list[AccountOut]


class StoryOut(BaseModel):
    id: uuid.UUID
    kind: StoryKind
    title: TitleIn
    text: TextIn
    place: str | None
    latitude: float | None
    longitude: float | None
    event_date: date | None
    case_ref: str | None
    author_id: str
    unit_id: str
    circle_id: str | None
    district_id: str
    state: State
    level: ReviewLevel | None
    gate_verdict: Verdict
    gate_rules: list[str]
    sexual_offence: bool
    child_involved: bool
    claim: ClaimOut | None
    steps: list[StepOut] | None = Field(default=None, description="every step and note")
    photos: list[MediaOut] | None = Field(
        default=None, description="the live photos and creatives, with signed URLs"
    )
    approval: ApprovalOut | None = Field(
        default=None, description="what was approved (scope, channels, versions); None before"
    )
    posts: list[PostOut] | None = Field(
        default=None, description="one per public channel approved, with the publisher's answer"
    )
    created_at: datetime
    updated_at: datetime


class StoriesOut(BaseModel):
    items: list[StoryOut]


# --- photos and creatives -------------------------------------------------------------------


class UnidentifiableOut(BaseModel):
    by: str
    by_role: str
    at: datetime
    reason: str


class MediaOut(BaseModel):
    """A photo (the author's) or a creative (the PHQ cell's, per channel), as stored: upright,
    without metadata, re-encoded; URLs are signed and expire at `url_expires_at`."""

    id: uuid.UUID
    kind: Literal["photo", "creative"]
    channel: PublicChannel | None
    version: int
    sha256: str = Field(description="of the stored original")
    media_type: str
    size: int
    width: int
    height: int
    url: str
    thumb_url: str
    web_url: str
    url_expires_at: datetime
    added_by: str
    added_role: str
    added_at: datetime
    replaced_at: datetime | None = Field(description="a creative replaced by a newer version")
    deleted_at: datetime | None = Field(description="a photo the author removed")
    unidentifiable: UnidentifiableOut | None = Field(
        description="the approver's confirmation that no person can be identified (marked stories)"
    )


class MediaListOut(BaseModel):
    items: list[MediaOut]


class ConfirmUnidentifiableIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2_000)]


StoryOut.model_rebuild()
