"""story.events.v1: a field story's way up the chain, keyed by story id so its events stay in order.

submitted → CO of the author's circle → SP of the district → PHQ social media cell → approved.
The events say who did what at which step. They carry no field text, notes, FIR or case
reference, photo or phone number: those stay in story-intake, whose API serves them to those
allowed to read them. The one text that travels is the circulation text an approver approved
(`StoryCirculationRequested`): gated, with no block finding left, and meant to be sent to every
member of the groups it names.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from nazar_contracts.base import BilingualText, Id, NazarModel, UnitId, UtcDatetime
from nazar_contracts.vocabulary import Role


class StoryKind(StrEnum):
    ARREST = "arrest"
    GANG_BUST = "gang_bust"
    RECOVERY = "recovery"
    GOOD_INITIATIVE = "good_initiative"
    HELP_TO_CITIZENS = "help_to_citizens"
    POSITIVE_IMPACT = "positive_impact"
    OTHER = "other"


# What a page calls each kind (Hindi, English); both consoles show them.
STORY_KIND_NAMES: dict[StoryKind, tuple[str, str]] = {
    StoryKind.ARREST: ("गिरफ़्तारी", "Arrest"),
    StoryKind.GANG_BUST: ("गिरोह का पर्दाफ़ाश", "Gang bust"),
    StoryKind.RECOVERY: ("बरामदगी", "Recovery"),
    StoryKind.GOOD_INITIATIVE: ("अच्छी पहल", "Good initiative"),
    StoryKind.HELP_TO_CITIZENS: ("नागरिकों की सहायता", "Help to citizens"),
    StoryKind.POSITIVE_IMPACT: ("सकारात्मक प्रभाव", "Positive impact"),
    StoryKind.OTHER: ("अन्य", "Other"),
}


class ReviewLevel(StrEnum):
    """The step a story waits at; each level sees only its own queue."""

    CIRCLE = "circle"  # the CO of the author's circle
    DISTRICT = "district"  # the SP (DCP) of the author's district
    PHQ = "phq"  # the PHQ social media cell; SP PHQ Crime or ADG Crime approves


class CirculationScope(StrEnum):
    """How far the approver sends a story inside the force; the PHQ crime admin group always
    gets it."""

    PHQ_ADMIN = "phq_admin"  # the PHQ crime admin group only
    DISTRICT = "district"  # and every circle group of the author's district
    RANGE = "range"  # and every circle group of the author's range
    STATE = "state"  # and every circle group in the state


class PublicChannel(StrEnum):
    """The official accounts a story can be published on (see publish.requests.v1)."""

    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"


class GateVerdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    REVIEW = "review"
    BLOCK = "block"


class StorySubmitted(NazarModel):
    """The author sent the story up the chain; it waits at `level`."""

    story_id: Id
    kind: StoryKind
    author_id: Id = Field(description="member id")
    author_role: Role
    unit_id: UnitId = Field(description="the author's unit (from their posting)")
    circle_id: UnitId | None = Field(description="the author's circle; None above a circle")
    district_id: UnitId = Field(description="the author's district (or commissionerate)")
    level: ReviewLevel
    gate_verdict: GateVerdict = Field(description="the gate's verdict on the field text")
    sexual_offence: bool
    child_involved: bool
    photo_count: int = Field(ge=0)
    at: UtcDatetime


class StoryResubmitted(NazarModel):
    """The author changed a story sent back to them; it returns to the step that sent it back."""

    story_id: Id
    level: ReviewLevel
    gate_verdict: GateVerdict
    sexual_offence: bool
    child_involved: bool
    by: Id
    at: UtcDatetime


class StoryForwarded(NazarModel):
    """A reviewer passed the story to the next level."""

    story_id: Id
    author_id: Id | None = Field(
        default=None, description="the author, who is told of the change; None in older records"
    )
    from_level: ReviewLevel
    to_level: ReviewLevel
    by: Id
    by_role: Role
    at: UtcDatetime


class StorySentBack(NazarModel):
    """A reviewer returned the story to its author with a note (the note stays in story-intake)."""

    story_id: Id
    author_id: Id | None = Field(
        default=None, description="the author, who is told of the change; None in older records"
    )
    level: ReviewLevel
    by: Id
    by_role: Role
    at: UtcDatetime


class StoryRejected(NazarModel):
    """A reviewer rejected the story with a reason (kept in story-intake); it goes no further."""

    story_id: Id
    author_id: Id | None = Field(
        default=None, description="the author, who is told of the change; None in older records"
    )
    level: ReviewLevel
    by: Id
    by_role: Role
    at: UtcDatetime


class StoryWithdrawn(NazarModel):
    """The author took the story back before it was approved."""

    story_id: Id
    level: ReviewLevel | None = Field(description="where it waited; None if sent back or a draft")
    by: Id
    at: UtcDatetime


class StoryApproved(NazarModel):
    """SP PHQ Crime or ADG Crime approved the story at PHQ."""

    story_id: Id
    author_id: Id | None = Field(
        default=None, description="the author, who is told of the change; None in older records"
    )
    by: Id
    by_role: Role
    scope: CirculationScope | None = Field(
        default=None, description="how far it circulates inside the force; None in older records"
    )
    public_channels: list[PublicChannel] = Field(
        default_factory=list, description="the official accounts it is approved for; [] = internal"
    )
    at: UtcDatetime


class StoryClaimed(NazarModel):
    """A reviewer took the story to work on; the others see it until the claim lapses."""

    story_id: Id
    level: ReviewLevel
    by: Id
    by_role: Role
    taken_over_from: Id | None = Field(description="the member whose live claim was taken over")
    lapses_at: UtcDatetime
    at: UtcDatetime


class StoryCirculationRequested(NazarModel):
    """An approved story to send, as a message without acknowledgement, to the PHQ crime admin
    group and the circle groups `scope` names. The directive service sends it and counts reach."""

    story_id: Id
    kind: StoryKind
    scope: CirculationScope
    district_id: UnitId = Field(description="the author's district (or commissionerate)")
    range_id: UnitId | None = Field(description="the author's range; None above a range")
    title: BilingualText = Field(description="the approved circulation title")
    body: BilingualText = Field(description="the approved circulation text (gated, no FIR)")
    approved_by: Id
    at: UtcDatetime
