"""The moderation chain's rules, pure: who may do what to a story at which step.

submitted → CO of the author's circle → SP of the district → PHQ social media cell → approved.
A CO's story starts at the SP, an SP's at PHQ. A reviewer forwards (or, at PHQ, approves),
sends back with a note (the author edits and resubmits; the story returns to the same step) or
rejects with a reason. No one acts on their own story; whoever made the last edit cannot approve
it. A claim shows the others who works on a story and lapses without activity; the SP (at the
district) and the approvers (at PHQ) may take a live claim over.

Every refusal is a `ChainRefusalError` whose code is a problem code registered by `api/problems.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from nazar_contracts.stories import ReviewLevel
from nazar_contracts.vocabulary import Role

# Who works at PHQ, and who of them approves; `tests/unit/story_intake/test_chain.py` holds
# these to the access table (story.moderate / story.approve state-wide).
PHQ_REVIEWERS = frozenset(
    {Role.ADG, Role.SP_PHQ_CRIME, Role.CONTENT_WRITER, Role.GRAPHICS_DESIGNER, Role.POLICE_PRO}
)
APPROVERS = frozenset({Role.ADG, Role.SP_PHQ_CRIME})
_TAKE_OVER = {ReviewLevel.DISTRICT: frozenset({Role.SP}), ReviewLevel.PHQ: APPROVERS}
_NEXT = {ReviewLevel.CIRCLE: ReviewLevel.DISTRICT, ReviewLevel.DISTRICT: ReviewLevel.PHQ}


class State(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"  # waiting at `level`
    SENT_BACK = "sent_back"  # with the author; returns to `level` when resubmitted
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({State.DRAFT, State.IN_REVIEW, State.SENT_BACK})


class Decision(StrEnum):
    FORWARD = "forward"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REJECT = "reject"


class ChainRefusalError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Place:
    """Where the author is posted: their unit, its circle (None above circles), its district."""

    unit_id: str
    circle_id: str | None
    district_id: str


@dataclass(frozen=True, slots=True)
class Actor:
    """A member acting through one grant (role at unit)."""

    member_id: str
    role: Role
    unit_id: str


@dataclass(frozen=True, slots=True)
class Claim:
    member_id: str
    role: Role
    at: datetime
    lapses_at: datetime

    def live(self, now: datetime) -> bool:
        return now < self.lapses_at


@dataclass(frozen=True, slots=True)
class Story:
    story_id: str
    author_id: str
    author_role: Role
    place: Place
    state: State
    level: ReviewLevel | None  # None for a draft and after approval
    last_editor_id: str
    claim: Claim | None = None


def first_level(author_role: Role, place: Place) -> ReviewLevel:
    if author_role is Role.SP:
        return ReviewLevel.PHQ
    if author_role is Role.CO or place.circle_id is None:
        return ReviewLevel.DISTRICT
    return ReviewLevel.CIRCLE


def reviews_at(actor: Actor, level: ReviewLevel, place: Place) -> bool:
    """Whether `actor` is a reviewer of this level for a story from `place`."""
    if level is ReviewLevel.CIRCLE:
        return actor.role is Role.CO and actor.unit_id == place.circle_id
    if level is ReviewLevel.DISTRICT:
        return actor.role is Role.SP and actor.unit_id == place.district_id
    return actor.role in PHQ_REVIEWERS


def acting_as(actors: list[Actor], story: Story) -> Actor | None:
    """The caller's grant that reviews the story where it waits (approvers first at PHQ)."""
    if story.level is None:
        return None
    fitting = [a for a in actors if reviews_at(a, story.level, story.place)]
    fitting.sort(key=lambda a: a.role not in APPROVERS)
    return fitting[0] if fitting else None


def _reviewer_check(story: Story, actor: Actor, now: datetime) -> ReviewLevel:
    if story.state is not State.IN_REVIEW or story.level is None:
        raise ChainRefusalError("story.not_in_review")
    if actor.member_id == story.author_id:
        raise ChainRefusalError("story.own_story")
    if not reviews_at(actor, story.level, story.place):
        raise ChainRefusalError("story.not_your_queue")
    return story.level


def decide(
    story: Story, actor: Actor, decision: Decision, now: datetime, *, text: str | None = None
) -> Story:
    """The story after `actor`'s decision; `text` is the note (send back) or reason (reject)."""
    level = _reviewer_check(story, actor, now)
    claim = story.claim
    if claim is not None and claim.live(now) and claim.member_id != actor.member_id:
        raise ChainRefusalError("story.claimed_by_other")
    if decision in (Decision.SEND_BACK, Decision.REJECT) and not (text and text.strip()):
        raise ChainRefusalError(
            "story.note_required" if decision is Decision.SEND_BACK else "story.reason_required"
        )
    if decision is Decision.FORWARD:
        if level not in _NEXT:
            raise ChainRefusalError("story.no_next_level")
        return replace(story, level=_NEXT[level], claim=None)
    if decision is Decision.APPROVE:
        if level is not ReviewLevel.PHQ:
            raise ChainRefusalError("story.approve_at_phq")
        if actor.role not in APPROVERS:
            raise ChainRefusalError("story.not_approver")
        if actor.member_id == story.last_editor_id:
            raise ChainRefusalError("story.own_edit")
        return replace(story, state=State.APPROVED, level=None, claim=None)
    if decision is Decision.SEND_BACK:
        return replace(story, state=State.SENT_BACK, claim=None)
    return replace(story, state=State.REJECTED, claim=None)


def claim(story: Story, actor: Actor, now: datetime, lapse: timedelta) -> tuple[Story, str | None]:
    """The story claimed by `actor`, and whose live claim was taken over (None if nobody's)."""
    level = _reviewer_check(story, actor, now)
    held = story.claim
    taken_from = None
    if held is not None and held.live(now) and held.member_id != actor.member_id:
        if actor.role not in _TAKE_OVER.get(level, frozenset()):
            raise ChainRefusalError("story.claimed_by_other")
        taken_from = held.member_id
    return replace(story, claim=Claim(actor.member_id, actor.role, now, now + lapse)), taken_from


def _author_check(story: Story, member_id: str) -> None:
    if member_id != story.author_id:
        raise ChainRefusalError("story.not_author")


def edit(story: Story, member_id: str) -> Story:
    """The author changes a draft or a story sent back to them."""
    _author_check(story, member_id)
    if story.state not in (State.DRAFT, State.SENT_BACK):
        raise ChainRefusalError("story.not_editable")
    return replace(story, last_editor_id=member_id)


def submit(story: Story, member_id: str) -> Story:
    """A draft goes to its first level; a story sent back returns to the step that sent it."""
    _author_check(story, member_id)
    if story.state is State.DRAFT:
        level = first_level(story.author_role, story.place)
        return replace(story, state=State.IN_REVIEW, level=level)
    if story.state is State.SENT_BACK:
        return replace(story, state=State.IN_REVIEW)
    raise ChainRefusalError("story.not_submittable")


def withdraw(story: Story, member_id: str) -> Story:
    _author_check(story, member_id)
    if story.state is State.APPROVED:
        raise ChainRefusalError("story.already_approved")
    if story.state not in OPEN:
        raise ChainRefusalError("story.closed")
    return replace(story, state=State.WITHDRAWN, claim=None)


_ORDER = (ReviewLevel.CIRCLE, ReviewLevel.DISTRICT, ReviewLevel.PHQ)


def may_read(actors: list[Actor], story: Story) -> bool:
    """Who opens a story: its author, and the reviewers of every step up to the one it waits at
    (was sent back from, or was last decided at): a CO still sees what they forwarded."""
    if any(a.member_id == story.author_id for a in actors):
        return True
    if story.level is None:
        return False
    reached = _ORDER[: _ORDER.index(story.level) + 1]
    return any(reviews_at(a, level, story.place) for a in actors for level in reached)
