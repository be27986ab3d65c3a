"""A story's row → the event announcing its step on story.events.v1 (through the outbox).

Events name people by member id and carry no text: titles, texts, notes, reasons, the case
reference and photos stay in this service.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from nazar_contracts.base import BilingualText
from nazar_contracts.publish import (
    Overflow,
    PublishMedia,
    PublishRequested,
    PublishWithdrawalConfirmed,
    PublishWithdrawalRequested,
)
from nazar_contracts.stories import (
    CirculationScope,
    GateVerdict,
    PublicChannel,
    ReviewLevel,
    StoryApproved,
    StoryCirculationRequested,
    StoryClaimed,
    StoryForwarded,
    StoryKind,
    StoryRejected,
    StoryResubmitted,
    StorySentBack,
    StorySubmitted,
    StoryWithdrawn,
)
from nazar_contracts.vocabulary import Role
from nazar_platform.outbox import OutboxEvent, outbox_event
from pydantic import BaseModel

from story_intake.domain.chain import Actor
from story_intake.store.cell import VersionRow
from story_intake.store.stories import StoryRow

SOURCE = "/nazar/story-intake"


def _event(data: BaseModel) -> OutboxEvent:
    return outbox_event(data, source=SOURCE)


def _level(row: StoryRow) -> ReviewLevel:
    assert row.level is not None  # a story under review always has one
    return ReviewLevel(row.level)


def submitted(row: StoryRow, photo_count: int, at: datetime) -> OutboxEvent:
    return _event(
        StorySubmitted(
            story_id=str(row.id),
            kind=StoryKind(row.content.kind),
            author_id=row.author_id,
            author_role=Role(row.author_role),
            unit_id=row.unit_id,
            circle_id=row.circle_id,
            district_id=row.district_id,
            level=_level(row),
            gate_verdict=GateVerdict(row.gate_verdict),
            sexual_offence=row.sexual_offence,
            child_involved=row.child_involved,
            photo_count=photo_count,
            at=at,
        )
    )


def resubmitted(row: StoryRow, at: datetime) -> OutboxEvent:
    return _event(
        StoryResubmitted(
            story_id=str(row.id),
            level=_level(row),
            gate_verdict=GateVerdict(row.gate_verdict),
            sexual_offence=row.sexual_offence,
            child_involved=row.child_involved,
            by=row.author_id,
            at=at,
        )
    )


def withdrawn(row: StoryRow, was_waiting: bool, at: datetime) -> OutboxEvent:
    level = ReviewLevel(row.level) if was_waiting and row.level else None
    return _event(StoryWithdrawn(story_id=str(row.id), level=level, by=row.author_id, at=at))


def forwarded(before: StoryRow, after: StoryRow, actor: Actor, at: datetime) -> OutboxEvent:
    return _event(
        StoryForwarded(
            story_id=str(after.id),
            author_id=after.author_id,
            from_level=_level(before),
            to_level=_level(after),
            by=actor.member_id,
            by_role=actor.role,
            at=at,
        )
    )


def sent_back(row: StoryRow, actor: Actor, at: datetime) -> OutboxEvent:
    return _event(
        StorySentBack(
            story_id=str(row.id),
            author_id=row.author_id,
            level=_level(row),
            by=actor.member_id,
            by_role=actor.role,
            at=at,
        )
    )


def rejected(before: StoryRow, actor: Actor, at: datetime) -> OutboxEvent:
    return _event(
        StoryRejected(
            story_id=str(before.id),
            author_id=before.author_id,
            level=_level(before),
            by=actor.member_id,
            by_role=actor.role,
            at=at,
        )
    )


def approved(
    row: StoryRow,
    actor: Actor,
    scope: CirculationScope,
    public: list[PublicChannel],
    at: datetime,
) -> OutboxEvent:
    return _event(
        StoryApproved(
            story_id=str(row.id),
            author_id=row.author_id,
            by=actor.member_id,
            by_role=actor.role,
            scope=scope,
            public_channels=public,
            at=at,
        )
    )


def _bilingual(hi: str | None, en: str | None) -> BilingualText:
    return BilingualText(hi=hi or None, en=en or None)


def circulation_requested(
    row: StoryRow,
    version: VersionRow,
    scope: CirculationScope,
    range_id: str | None,
    actor: Actor,
    at: datetime,
) -> OutboxEvent:
    """The one event that carries a text: the approved circulation version (gated; its block
    findings redacted whenever it goes beyond the PHQ crime admin group)."""
    return _event(
        StoryCirculationRequested(
            story_id=str(row.id),
            kind=StoryKind(row.content.kind),
            scope=scope,
            district_id=row.district_id,
            range_id=range_id,
            title=_bilingual(version.title_hi, version.title_en),
            body=_bilingual(version.body_hi, version.body_en),
            approved_by=actor.member_id,
            at=at,
        )
    )


def post_id(story_id: uuid.UUID, channel: PublicChannel) -> uuid.UUID:
    """The same story and channel always give the same post: a retried approval, or the
    publisher seeing a request twice, cannot post twice."""
    return uuid.uuid5(story_id, f"post/{channel.value}")


def publish_requested(
    row: StoryRow,
    version: VersionRow,
    channel: PublicChannel,
    actor: Actor,
    at: datetime,
    media: list[PublishMedia],
    overflow: str | None = None,
) -> OutboxEvent:
    assert version.text is not None  # a public channel's version always has one
    return _event(
        PublishRequested(
            post_id=str(post_id(row.id, channel)),
            story_id=str(row.id),
            channel=channel,
            version=version.n,
            text=version.text,
            media=media,
            approved_by=actor.member_id,
            requested_at=at,
            overflow=Overflow(overflow) if overflow else None,
        )
    )


def withdrawal_requested(
    post_id: uuid.UUID,
    story_id: uuid.UUID,
    channel: PublicChannel,
    reason: str,
    by: str,
    at: datetime,
) -> OutboxEvent:
    return _event(
        PublishWithdrawalRequested(
            post_id=str(post_id),
            story_id=str(story_id),
            channel=channel,
            reason=reason,
            requested_by=by,
            requested_at=at,
        )
    )


def withdrawal_confirmed(
    post_id: uuid.UUID,
    story_id: uuid.UUID,
    channel: PublicChannel,
    task_id: uuid.UUID,
    by: str,
    at: datetime,
) -> OutboxEvent:
    return _event(
        PublishWithdrawalConfirmed(
            post_id=str(post_id),
            story_id=str(story_id),
            channel=channel,
            task_id=str(task_id),
            confirmed_by=by,
            confirmed_at=at,
        )
    )


def claimed(row: StoryRow, actor: Actor, taken_from: str | None, at: datetime) -> OutboxEvent:
    assert row.claim_lapses_at is not None
    return _event(
        StoryClaimed(
            story_id=str(row.id),
            level=_level(row),
            by=actor.member_id,
            by_role=actor.role,
            taken_over_from=taken_from,
            lapses_at=row.claim_lapses_at,
            at=at,
        )
    )
