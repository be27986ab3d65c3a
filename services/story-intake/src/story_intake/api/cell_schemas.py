"""Request and response schemas of the PHQ cell's API: versions, diff, live checks,
acknowledgements, marks, approval and posts. The moderation console builds on these shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from nazar_contracts.publish import Overflow
from nazar_contracts.stories import CirculationScope, PublicChannel
from pydantic import BaseModel, Field

from story_intake.api.schemas import ApprovalOut, PostOut, Why
from story_intake.domain.cell import Mark
from story_intake.domain.channels import Channel
from story_intake.domain.rules import RULES, Verdict

PostText = Annotated[str, Field(min_length=1, max_length=70_000)]
CircTitle = Annotated[str, Field(min_length=1, max_length=300)]
CircBody = Annotated[str, Field(min_length=1, max_length=10_000)]
Reason = Annotated[str, Field(max_length=2_000)]


class CircTitleIn(BaseModel):
    hi: CircTitle | None = None
    en: CircTitle | None = None


class CircBodyIn(BaseModel):
    hi: CircBody | None = None
    en: CircBody | None = None


class VersionIn(BaseModel):
    """x / facebook / instagram: `text`. circulation: `title` and `body` (Hindi and/or English)."""

    text: PostText | None = None
    title: CircTitleIn | None = None
    body: CircBodyIn | None = None


class CheckTextIn(VersionIn):
    channel: str = Field(description="x | facebook | instagram | circulation")


class PartFindingOut(BaseModel):
    index: int = Field(description="its number in the version's findings (acknowledge, redact)")
    part: str = Field(description="text | title_hi | title_en | body_hi | body_en (| place ...)")
    rule: str
    verdict: Verdict
    start: int = Field(description="index of its first character in the part")
    end: int = Field(description="index just after its last character")
    text: str
    why: Why


def finding_out(
    index: int, part: str, rule: str, start: int, end: int, text: str
) -> PartFindingOut:
    r = RULES[rule]
    return PartFindingOut(
        index=index,
        part=part,
        rule=rule,
        verdict=r.verdict,
        start=start,
        end=end,
        text=text,
        why=Why(en=r.en, hi=r.hi),
    )


class AckOut(BaseModel):
    channel: Channel
    version: int
    finding: int
    rule: str
    reason: str
    by: str
    by_role: str
    at: datetime


class MeasureOut(BaseModel):
    length: int = Field(description="as the network counts it (X: weighted, URL 23, emoji 2)")
    limit: int | None = Field(description="the network's limit; None for the circulation")
    too_long: bool
    hashtags: int
    hashtag_limit: int | None
    too_many_hashtags: bool
    thread_parts: int | None = Field(
        default=None,
        description="X: the numbered parts it would go as if the approver chose a thread (1: fits)",
    )


class VersionOut(BaseModel):
    channel: Channel
    n: int
    text: str | None
    title: CircTitleIn | None
    body: CircBodyIn | None
    author_id: str
    author_role: str
    redacted_from: int | None = Field(description="the version a one-click redaction started from")
    gate_verdict: Verdict
    findings: list[PartFindingOut]
    acknowledgements: list[AckOut]
    measure: MeasureOut
    at: datetime


class SeedOut(BaseModel):
    """The field text the cell starts from (the author's words, before any version)."""

    text: str | None = Field(description="for x / facebook / instagram: title and text joined")
    title: CircTitleIn
    body: CircBodyIn


class VersionsOut(BaseModel):
    story_id: str
    state: str
    level: str | None
    sexual_offence: bool
    child_involved: bool
    field_findings: list[PartFindingOut] | None = Field(
        description="the gate on the field text when it reached PHQ; None before"
    )
    seed: SeedOut
    items: list[VersionOut] = Field(description="by channel, then version number")
    approval: ApprovalOut | None
    posts: list[PostOut]


class DiffOpOut(BaseModel):
    op: Literal["equal", "insert", "delete", "replace"]
    before: str
    after: str


class PartDiffOut(BaseModel):
    part: str
    changed: bool
    ops: list[DiffOpOut] = Field(description="word by word; joining `after` gives the new part")
    unified: list[str] = Field(description="the unified diff, line by line")


class ImagesDiffOut(BaseModel):
    before: list[str] = Field(description="sha256 of each image live when `from` was written")
    after: list[str] = Field(description="… when `to` was written")
    added: list[str]
    removed: list[str]


class DiffOut(BaseModel):
    channel: Channel
    before: int
    after: int
    parts: list[PartDiffOut]
    images: ImagesDiffOut = Field(
        description="the channel's creatives (circulation: the story's photos) at each version"
    )


class LiveCheckOut(BaseModel):
    channel: Channel
    measure: MeasureOut
    gate_verdict: Verdict
    findings: list[PartFindingOut]
    sexual_offence: bool
    child_involved: bool


class RedactVersionIn(BaseModel):
    findings: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        default=None, description="the findings to redact (their `index`); none: every block one"
    )


class AckIn(BaseModel):
    channel: str
    version: int = Field(ge=1, le=100_000)
    finding: int = Field(ge=0, le=10_000, description="the finding's `index` in that version")
    reason: Reason = Field(description="why it may go out as it is")


class MarkIn(BaseModel):
    mark: Mark
    set: bool = Field(description="true sets the mark (any reviewer); false clears it (approver)")
    reason: Reason | None = Field(default=None, description="required to clear a mark")


class ApprovalIn(BaseModel):
    scope: CirculationScope = Field(
        description="phq_admin | district | range | state: how far it circulates internally"
    )
    public_channels: list[PublicChannel] = Field(
        default_factory=list, description="[] = internal circulation only"
    )
    versions: dict[str, Annotated[int, Field(ge=1, le=100_000)]] = Field(
        default_factory=dict,
        description="channel → the version approved (the one the approver read); a channel not "
        "named: its latest version",
    )
    overflow: Overflow = Field(
        default=Overflow.REFUSE,
        description="X only: a version over X's 280 (weighted) is refused (the default) or sent "
        "as a numbered thread",
    )
