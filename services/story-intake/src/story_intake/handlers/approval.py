"""Approval: SP PHQ Crime or ADG Crime approves a story at PHQ for internal circulation (a scope)
and, optionally, public channels, naming the versions (by default each channel's latest).

In ONE transaction with the state change, through the outbox: `StoryApproved`,
`StoryCirculationRequested` (the approved circulation version, the author's district and range)
and one `PublishRequested` per public channel, with the channel's live creatives (sha256, size,
type, a signed expiring URL), whose post id comes from the story and the channel, so a retried
approval cannot ask for a second post. A second approval is refused by the
chain (the story is approved already) and emits nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from nazar_contracts.publish import Overflow
from nazar_contracts.stories import CirculationScope, PublicChannel
from nazar_platform import db, outbox

from story_intake import metrics
from story_intake.domain import cell
from story_intake.domain.chain import Actor, ChainRefusalError
from story_intake.domain.channels import Channel, VersionText, measure
from story_intake.handlers import events
from story_intake.handlers.cell import text_of
from story_intake.handlers.media_links import MediaLinks, creatives_for_publish
from story_intake.handlers.stories import actor_for, applied, domain_of, locked
from story_intake.store import cell as store
from story_intake.store import media as media_store
from story_intake.store import posts as post_store
from story_intake.store import stories as story_store
from story_intake.store import units
from story_intake.store.cell import ApprovalRow, VersionRow
from story_intake.store.posts import PostRow
from story_intake.store.stories import StepRow, StoryRow


@dataclass(frozen=True, slots=True)
class Request:
    scope: CirculationScope
    public: tuple[PublicChannel, ...]
    versions: dict[Channel, int]  # a channel not named: its latest version
    hashtag_limit: int
    links: MediaLinks  # signs the creatives' URLs in the publish requests
    overflow: Overflow = Overflow.REFUSE  # X: a version over the limit refused or a thread


async def _facts(
    conn: db.Connection, story_id: uuid.UUID, channel: Channel, n: int | None, hashtag_limit: int
) -> tuple[VersionRow, cell.VersionFacts] | None:
    version = await store.version(conn, story_id, channel.value, n)
    if version is None:
        if n is not None:
            raise ChainRefusalError("story.no_such_version")
        return None
    acked = frozenset(
        a.finding
        for a in await store.acks(conn, story_id)
        if (a.channel, a.n) == (channel, version.n)
    )
    facts = cell.VersionFacts(
        channel,
        version.n,
        version.author_id,
        tuple(cell.PartFinding(f.part, f.rule, f.start, f.end, f.text) for f in version.findings),
        acked,
        measure(channel, text_of(version), hashtag_limit),
    )
    return version, facts


def _field_text(row: StoryRow) -> tuple[VersionRow, cell.VersionFacts]:
    """No circulation version written: the PHQ crime admin group (and it alone) may get the
    field text as the author wrote it, as "version 0" (the case reference never goes)."""
    c = row.content
    version = VersionRow(
        row.id, Channel.CIRCULATION.value, 0, None, c.title_hi, c.title_en, c.text_hi, c.text_en,
        row.author_id, row.author_role, None, row.gate_verdict, (), row.updated_at,
    )  # fmt: skip
    text = VersionText(None, c.title_hi, c.title_en, c.text_hi, c.text_en)
    facts = cell.VersionFacts(
        Channel.CIRCULATION,
        0,
        row.author_id,
        (),
        frozenset(),
        measure(Channel.CIRCULATION, text, 0),
    )
    return version, facts


def _overflow(channel: PublicChannel, chosen: Overflow) -> str | None:
    """Only X splits a text into a thread; the other networks' limits are refused at approval."""
    return chosen.value if channel is PublicChannel.X else None


async def _range_of(conn: db.Connection, unit_id: str) -> str | None:
    along = await units.kinds_along(conn, unit_id) or []
    ranges = [u for u, kind in along if kind == "range"]
    return ranges[-1] if ranges else None


async def approve(
    pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor], req: Request, now: datetime
) -> Actor:
    """The story approved with its events; the grant it was approved through (for the audit)."""
    public = tuple(dict.fromkeys(req.public))  # each channel once, in the order named
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        story = domain_of(row)
        actor = actor_for(actors, story)
        wanted = [Channel.CIRCULATION, *(Channel(p.value) for p in public)]
        found: dict[Channel, tuple[VersionRow, cell.VersionFacts]] = {}
        for channel in wanted:
            got = await _facts(
                conn, story_id, channel, req.versions.get(channel), req.hashtag_limit
            )
            if got is not None:
                found[channel] = got
        unconfirmed = 0
        if row.sexual_offence or row.child_involved:
            channels = {p.value for p in public}
            images = (await media_store.of_stories(conn, [story_id]))[story_id]
            unconfirmed = sum(
                1
                for m in images
                if m.unidentifiable_at is None and (m.kind == "photo" or m.channel in channels)
            )
        if Channel.CIRCULATION not in found and req.scope is CirculationScope.PHQ_ADMIN:
            found[Channel.CIRCULATION] = _field_text(row)
        approval = cell.Approval(
            req.scope,
            public,
            {c: f for c, (_, f) in found.items()},
            unconfirmed,
            x_thread=req.overflow is Overflow.THREAD,
        )
        after = applied(row, cell.approve(story, actor, approval, now), now)
        await story_store.update(conn, after)
        chosen = {c.value: v.n for c, (v, _) in found.items()}
        note = f"{req.scope.value}; " + ", ".join(f"{c} v{n}" for c, n in chosen.items())
        step = StepRow("approve", row.level, actor.member_id, str(actor.role), note, now)
        await story_store.add_step(conn, story_id, step)
        await store.add_approval(
            conn,
            ApprovalRow(
                story_id,
                req.scope.value,
                tuple(p.value for p in public),
                chosen,
                actor.member_id,
                str(actor.role),
                now,
                req.overflow.value,
            ),
        )
        posts = [
            PostRow(
                events.post_id(story_id, p),
                story_id,
                p.value,
                found[Channel(p.value)][0].n,
                "requested",
                None,
                None,
                None,
                None,
                now,
                now,
                overflow=_overflow(p, req.overflow),
            )
            for p in public
        ]
        await post_store.add_posts(conn, posts)
        circulation = found[Channel.CIRCULATION][0]
        range_id = await _range_of(conn, row.unit_id)
        await outbox.enqueue(
            conn,
            [
                events.approved(after, actor, req.scope, list(public), now),
                events.circulation_requested(after, circulation, req.scope, range_id, actor, now),
                *[
                    events.publish_requested(
                        after,
                        found[Channel(p.value)][0],
                        p,
                        actor,
                        now,
                        await creatives_for_publish(conn, story_id, p, req.links, now),
                        _overflow(p, req.overflow),
                    )
                    for p in public
                ],
            ],
        )
    if row.arrived_at is not None and row.level is not None:  # the time at PHQ, as decide's
        waited = (now - row.arrived_at).total_seconds()
        metrics.STEP_SECONDS.labels(row.level, "approve").observe(max(waited, 0.0))
    return actor
