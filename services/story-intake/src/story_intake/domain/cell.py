"""The PHQ cell's work on a story, pure: who writes a channel's version, who acknowledges a
gate finding, who sets and clears a mark, and what an approval must satisfy.

A version is written by the content writer, the police PRO or SP PHQ Crime while the story waits
at PHQ, never by its author, and not while another holds a live claim. Only an approver (SP PHQ
Crime, ADG Crime) acknowledges a `review` finding or clears a mark, and always with a reason; any
reviewer of the step (or the gate) sets a mark.

Approval names the circulation scope and the public channels. It is refused while a `block`
finding remains, or a `review` finding is not acknowledged, on a text that goes beyond the PHQ
crime admin group (every public channel's, and the circulation's unless its scope is
`phq_admin`); while a public text is over its network's limit (on X, unless the approver chose
to send a longer version as a numbered thread); for a public channel of a story
marked sexual offence / child involved, while an image (photo, or creative of a channel approved)
has no approver's confirmation that no person can be identified on it; and to whoever wrote any
of the versions approved (the chain's "last editor does not approve", extended to versions).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from nazar_contracts.stories import CirculationScope, PublicChannel, ReviewLevel
from nazar_contracts.vocabulary import Role

from story_intake.domain import chain
from story_intake.domain.chain import APPROVERS, Actor, ChainRefusalError, Decision, Story
from story_intake.domain.channels import Channel, Measure
from story_intake.domain.rules import RULES, Verdict

WRITERS = frozenset({Role.CONTENT_WRITER, Role.POLICE_PRO, Role.SP_PHQ_CRIME})


class Mark(StrEnum):
    SEXUAL_OFFENCE = "sexual_offence"
    CHILD_INVOLVED = "child_involved"


@dataclass(frozen=True, slots=True)
class PartFinding:
    """A gate finding on one part of a version (`text`, `title_hi`, `body_en` ...)."""

    part: str
    rule: str
    start: int
    end: int
    text: str

    @property
    def verdict(self) -> Verdict:
        return RULES[self.rule].verdict


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """What approval needs to know of one version."""

    channel: Channel
    n: int
    author_id: str
    findings: tuple[PartFinding, ...]
    acknowledged: frozenset[int]  # indexes into `findings`
    measure: Measure


@dataclass(frozen=True, slots=True)
class Approval:
    scope: CirculationScope
    public: tuple[PublicChannel, ...]
    versions: Mapping[Channel, VersionFacts] = field(default_factory=dict)
    # Live images (photos, and creatives of the channels approved) no approver has confirmed
    # show no identifiable person; counted only for a marked story.
    unconfirmed_images: int = 0
    # The approver's choice for X: a version over its limit goes as a numbered thread.
    x_thread: bool = False


def _not_claimed_by_other(story: Story, actor: Actor, now: datetime) -> None:
    held = story.claim
    if held is not None and held.live(now) and held.member_id != actor.member_id:
        raise ChainRefusalError("story.claimed_by_other")


def _at_phq(story: Story, actor: Actor) -> None:
    if story.state is not chain.State.IN_REVIEW or story.level is not ReviewLevel.PHQ:
        raise ChainRefusalError("story.not_at_phq")
    if actor.member_id == story.author_id:
        raise ChainRefusalError("story.own_story")


def writer(actors: Collection[Actor], story: Story, now: datetime) -> Actor:
    """The caller's grant that writes a version of this story now."""
    fitting = [a for a in actors if a.role in WRITERS]
    if not fitting:
        raise ChainRefusalError("story.not_writer")
    actor = fitting[0]
    _at_phq(story, actor)
    _not_claimed_by_other(story, actor, now)
    return actor


def approver(actors: Collection[Actor], story: Story) -> Actor:
    """The caller's approver grant for this story (acknowledging, clearing a mark, approving)."""
    fitting = [a for a in actors if a.role in APPROVERS]
    if not fitting:
        raise ChainRefusalError("story.not_approver")
    actor = fitting[0]
    _at_phq(story, actor)
    return actor


def need_reason(reason: str | None) -> str:
    if not (reason and reason.strip()):
        raise ChainRefusalError("story.reason_required")
    return reason.strip()


def marker(actors: Collection[Actor], story: Story) -> Actor:
    """The caller's grant that reviews the story where it waits: they may set a mark."""
    if story.state is not chain.State.IN_REVIEW or story.level is None:
        raise ChainRefusalError("story.not_in_review")
    if any(a.member_id == story.author_id for a in actors):
        raise ChainRefusalError("story.own_story")
    actor = chain.acting_as(list(actors), story)
    if actor is None:
        raise ChainRefusalError("story.not_your_queue")
    return actor


def acknowledgeable(facts: VersionFacts, index: int) -> PartFinding:
    """The finding to acknowledge: it exists and is a `review` one (a `block` is redacted)."""
    if not 0 <= index < len(facts.findings):
        raise ChainRefusalError("story.no_such_finding")
    finding = facts.findings[index]
    if finding.verdict is not Verdict.REVIEW:
        raise ChainRefusalError("story.block_not_acknowledgeable")
    return finding


def gated_channels(approval: Approval) -> list[Channel]:
    """The channels whose texts go beyond the PHQ crime admin group."""
    gated = [Channel(p.value) for p in approval.public]
    if approval.scope is not CirculationScope.PHQ_ADMIN:
        gated.insert(0, Channel.CIRCULATION)
    return gated


@dataclass(frozen=True, slots=True)
class Refusal:
    """An approval refused for one version: the code and what the problem's detail names."""

    code: str
    params: Mapping[str, str | int]


class ApprovalRefusedError(ChainRefusalError):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.params = dict(refusal.params)


def approve(story: Story, actor: Actor, approval: Approval, now: datetime) -> Story:
    """The story approved, or the first reason it cannot be (an `ApprovalRefusedError` naming
    the channel, or a `ChainRefusalError` of the chain). An X version over the limit passes when
    the approver chose a thread for it."""
    approved = chain.decide(story, actor, Decision.APPROVE, now)
    wanted = [Channel.CIRCULATION, *(Channel(p.value) for p in approval.public)]
    for channel in wanted:
        facts = approval.versions.get(channel)
        if facts is None:
            raise ApprovalRefusedError(Refusal("story.no_version", {"channel": channel.value}))
        if facts.author_id == actor.member_id:
            raise ApprovalRefusedError(
                Refusal("story.own_version", {"channel": channel.value, "version": facts.n})
            )
        m = facts.measure
        if m.too_long and not (channel is Channel.X and approval.x_thread):
            raise ApprovalRefusedError(
                Refusal(
                    "story.too_long",
                    {"channel": channel.value, "length": m.length, "limit": m.limit or 0},
                )
            )
        if m.too_many_hashtags:
            raise ApprovalRefusedError(
                Refusal(
                    "story.too_many_hashtags",
                    {"channel": channel.value, "count": m.hashtags, "limit": m.hashtag_limit or 0},
                )
            )
    if approval.public and (count := approval.unconfirmed_images):
        raise ApprovalRefusedError(Refusal("story.images_unconfirmed", {"count": count}))
    gated = [(c, approval.versions[c]) for c in gated_channels(approval)]
    # A block first, wherever it is: it is the graver refusal and no acknowledgement lifts it.
    for want in (Verdict.BLOCK, Verdict.REVIEW):
        for channel, facts in gated:
            for i, f in enumerate(facts.findings):
                if f.verdict is not want or (want is Verdict.REVIEW and i in facts.acknowledged):
                    continue
                params = {"channel": channel.value, "version": facts.n, "rule": f.rule}
                code = (
                    "story.block_remains"
                    if want is Verdict.BLOCK
                    else "story.review_unacknowledged"
                )
                raise ApprovalRefusedError(Refusal(code, params))
    return approved
