"""Stories from story.events.v1 (issue 13, item 6): an approved story's circulation to the PHQ
crime admin group and the circle groups its approver chose, and short notices to its author.

Each is a message of origin ('story', story id) with its fan-out job, written in the consumer's
transaction; the jobs are run by `workers.circulation` through the same fan-out as a directive's,
so deliveries, receipts and reach work as they do for a directive. Message ids derive from the
story (a circulation) or from the event (a notice): a request seen again, even after the
consumer's processed-event rows are pruned, finds its message and sends nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

import structlog
from nazar_contracts.groups import GroupKind
from nazar_contracts.stories import (
    StoryApproved,
    StoryCirculationRequested,
    StoryForwarded,
    StoryRejected,
    StorySentBack,
)
from nazar_platform.db import Connection

from directive import metrics
from directive.domain.audience import circulation_circles
from directive.domain.model import MessageKind, Origin, Text
from directive.domain.texts import StoryStep, story_notice
from directive.handlers.messages import origin_message
from directive.store import directives as messages
from directive.store import jobs, roster
from directive.store import stories as store

log = structlog.get_logger(__name__)

# Fixed: story message ids are uuid5 names in it, so a replay makes the same ids.
STORY_NAMESPACE = uuid.UUID("6f1c2b7e-93a4-5d0e-8b21-4c7d9e0f3a58")
# Neither acknowledgement nor urgency: a story is read when it is read.
STORY_PRIORITY = "routine"

StateChange = StoryForwarded | StorySentBack | StoryRejected | StoryApproved
_STEPS: dict[type[StateChange], StoryStep] = {
    StoryForwarded: StoryStep.FORWARDED,
    StorySentBack: StoryStep.SENT_BACK,
    StoryRejected: StoryStep.REJECTED,
    StoryApproved: StoryStep.APPROVED,
}


def circulation_message_id(story_id: str) -> UUID:
    return uuid.uuid5(STORY_NAMESPACE, f"circulation:{story_id}")


def notice_message_id(event_id: str) -> UUID:
    return uuid.uuid5(STORY_NAMESPACE, f"notice:{event_id}")


def _message(
    message_id: UUID, kind: MessageKind, story_id: str, text: Text, by: str | None, at: datetime
) -> messages.MessageRow:
    return origin_message(message_id, kind, text, Origin.story(story_id), STORY_PRIORITY, by, at)


async def circulate(conn: Connection, event: StoryCirculationRequested, now: datetime) -> int:
    """Store the circulation, its message and its job (the audience as the groups stand now);
    the number of members it goes to, 0 if the story already has its circulation."""
    if await store.circulation(conn, event.story_id) is not None:
        metrics.STORY_MESSAGES.labels("circulation", "repeat").inc()
        return 0
    chosen = circulation_circles(event.scope, event.district_id, event.range_id)
    circles = [] if chosen.none else await roster.circles_within(conn, chosen.under)
    admins = await roster.group_members(conn, GroupKind.PHQ_CRIME_ADMIN)
    members = sorted(set(admins) | set(await roster.circle_group_members(conn, circles)))
    text = Text(event.title.hi, event.body.hi, event.title.en, event.body.en)
    message_id = circulation_message_id(event.story_id)
    await messages.insert_message(
        conn, _message(message_id, MessageKind.STORY, event.story_id, text, event.approved_by, now)
    )
    await jobs.insert_job(
        conn,
        message_id,
        None,
        "story",
        [message_id],
        now,
        member_ids=members,
        # A member posted in several places is counted at the posting inside the circles.
        scope_units=circles or None,
        origin=Origin.story(event.story_id),
    )
    await store.insert_circulation(
        conn,
        store.CirculationRow(
            story_id=event.story_id,
            message_id=message_id,
            kind=str(event.kind),
            scope=str(event.scope),
            district_id=event.district_id,
            range_id=event.range_id,
            circles=circles,
            recipients=len(members),
            approved_by=event.approved_by,
            approved_at=event.at,
            created_at=now,
        ),
    )
    metrics.STORY_MESSAGES.labels("circulation", "sent").inc()
    log.info(
        "story circulation",
        story=event.story_id,
        scope=str(event.scope),
        circles=len(circles),
        members=len(members),
    )
    return len(members)


async def notify_author(conn: Connection, event_id: str, event: StateChange, now: datetime) -> bool:
    """A short notice to the story's author of one state change; False when there is none to
    send (an older record without the author, an author the read model does not know, a repeat).
    """
    step = _STEPS[type(event)]
    if event.author_id is None:
        return False
    author = await roster.get_member(conn, event.author_id)
    if author is None:
        log.warning("story author unknown here; no notice", story=event.story_id)
        metrics.STORY_MESSAGES.labels(str(step), "unknown_author").inc()
        return False
    message_id = notice_message_id(event_id)
    if await messages.message_exists(conn, message_id):
        metrics.STORY_MESSAGES.labels(str(step), "repeat").inc()
        return False
    to_level = event.to_level if isinstance(event, StoryForwarded) else None
    text = story_notice(step, event.story_id, to_level)
    await messages.insert_message(
        conn, _message(message_id, MessageKind.STORY_NOTICE, event.story_id, text, event.by, now)
    )
    await jobs.insert_job(
        conn,
        message_id,
        None,
        "story_notice",
        [message_id],
        now,
        member_ids=[author.id],
        origin=Origin.story(event.story_id),
    )
    metrics.STORY_MESSAGES.labels(str(step), "sent").inc()
    return True
