"""Story use cases: write, edit, submit, withdraw; decide and claim along the chain; read one's
own stories and one's queue. Each state change and its event commit in one transaction.

Refusals are `ChainRefusalError`s (the domain's) or `StoryNotFoundError`; `api/` turns them into
problems.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import asyncpg
from nazar_contracts.stories import ReviewLevel
from nazar_contracts.vocabulary import Role
from nazar_platform import db, outbox

from story_intake import metrics
from story_intake.domain import chain
from story_intake.domain.chain import Actor, ChainRefusalError, Decision, Place, State, Story
from story_intake.domain.consent import may_send_stories
from story_intake.handlers import events
from story_intake.handlers.gate import check
from story_intake.store import cell as cell_store
from story_intake.store import consent, units
from story_intake.store import media as media_store
from story_intake.store import posts as post_store
from story_intake.store import stories as store
from story_intake.store.stories import Content, StepRow, StoryRow


class StoryNotFoundError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Author:
    member_id: str
    role: Role
    unit_id: str  # the unit of the grant that lets them submit


@dataclass(frozen=True, slots=True)
class WithSteps:
    story: StoryRow
    steps: list[StepRow]
    approval: cell_store.ApprovalRow | None = None
    posts: tuple[post_store.PostRow, ...] = ()


def domain_of(row: StoryRow) -> Story:
    claim = None
    if row.claim_by and row.claim_role and row.claim_at and row.claim_lapses_at:
        claim = chain.Claim(row.claim_by, Role(row.claim_role), row.claim_at, row.claim_lapses_at)
    return Story(
        story_id=str(row.id),
        author_id=row.author_id,
        author_role=Role(row.author_role),
        place=Place(row.unit_id, row.circle_id, row.district_id),
        state=State(row.state),
        level=ReviewLevel(row.level) if row.level else None,
        last_editor_id=row.last_editor_id,
        claim=claim,
    )


def applied(row: StoryRow, story: Story, now: datetime) -> StoryRow:
    c = story.claim
    # A story arrives at a level when it is submitted, forwarded or resubmitted; a claim or an
    # edit does not restart its wait.
    level = str(story.level) if story.level else row.level
    moved = row.state != State.IN_REVIEW or level != row.level
    arrives = story.state is State.IN_REVIEW and moved
    return replace(
        row,
        state=str(story.state),
        level=str(story.level) if story.level else row.level,
        last_editor_id=story.last_editor_id,
        claim_by=c.member_id if c else None,
        claim_role=str(c.role) if c else None,
        claim_at=c.at if c else None,
        claim_lapses_at=c.lapses_at if c else None,
        updated_at=now,
        arrived_at=now if arrives else row.arrived_at,
    )


def count_blocks(row: StoryRow) -> None:
    """Counted once the story is saved, so a retry or a refused edit counts nothing."""
    if row.gate_verdict == "block":
        for rule in row.gate_rules:
            metrics.GATE_BLOCKS.labels(rule).inc()


def _field_parts(content: Content) -> dict[str, str]:
    named = (
        ("title_hi", content.title_hi),
        ("text_hi", content.text_hi),
        ("title_en", content.title_en),
        ("text_en", content.text_en),
        ("place", content.place),
    )
    return {name: value for name, value in named if value}


def _gated(row: StoryRow, content: Content) -> StoryRow:
    """The gate runs on the field text; its verdict is kept with the story. A mark, once set
    (by the gate or a reviewer), stays until an approver clears it with a reason."""
    result = check("\n\n".join(_field_parts(content).values()))
    return replace(
        row,
        content=content,
        gate_verdict=str(result.verdict),
        gate_rules=tuple(sorted({f.rule for f in result.findings})),
        sexual_offence=row.sexual_offence or result.sexual_offence,
        child_involved=row.child_involved or result.child_involved,
    )


async def _reaching_phq(conn: db.Connection, row: StoryRow) -> StoryRow:
    """When a story arrives at PHQ the gate runs on its field text again, part by part; the
    findings are kept for the cell, and the marks it sets are added to the story."""
    if row.state != State.IN_REVIEW or row.level != ReviewLevel.PHQ:
        return row
    found: list[cell_store.FindingRow] = []
    so, child = row.sexual_offence, row.child_involved
    for part, text in _field_parts(row.content).items():
        result = check(text)
        so, child = so or result.sexual_offence, child or result.child_involved
        found += [
            cell_store.FindingRow(part, f.rule, f.start, f.end, f.text) for f in result.findings
        ]
    await cell_store.set_phq_findings(conn, row.id, found)
    return replace(row, sexual_offence=so, child_involved=child)


async def place_of(conn: db.Connection, unit_id: str) -> Place:
    along = await units.kinds_along(conn, unit_id)
    districts = [u for u, kind in along or [] if kind == "district"]
    if not districts:
        raise ChainRefusalError("story.unit_unknown")
    circles = [u for u, kind in along or [] if kind == "circle"]
    return Place(unit_id, circles[-1] if circles else None, districts[-1])


async def _consented(conn: db.Connection, author: Author) -> None:
    """Volunteers send stories only with their consent recorded (issue 13: "volunteers only with
    consent"); checked when a story is written and each time it is sent up."""
    if not may_send_stories(author.role, await consent.state_of(conn, author.member_id)):
        raise ChainRefusalError("story.consent_missing")


def _step(action: str, level: str | None, actor: Actor | Author, at: datetime) -> StepRow:
    return StepRow(action, level, actor.member_id, str(actor.role), None, at)


async def insert_draft(
    conn: db.Connection, author: Author, content: Content, story_id: uuid.UUID, now: datetime
) -> tuple[StoryRow, bool]:
    """A draft of `author` in the caller's transaction, gated; whether it was created (False: a
    story with this id exists already)."""
    await _consented(conn, author)
    place = await place_of(conn, author.unit_id)
    blank = StoryRow(
        id=story_id,
        author_id=author.member_id,
        author_role=str(author.role),
        unit_id=place.unit_id,
        circle_id=place.circle_id,
        district_id=place.district_id,
        content=content,
        state=str(State.DRAFT),
        level=None,
        last_editor_id=author.member_id,
        gate_verdict="pass",
        gate_rules=(),
        sexual_offence=False,
        child_involved=False,
        claim_by=None,
        claim_role=None,
        claim_at=None,
        claim_lapses_at=None,
        created_at=now,
        updated_at=now,
    )
    row = _gated(blank, content)
    created = await store.insert(conn, row)
    if created:
        await store.add_step(conn, story_id, _step("created", None, author, now))
    return row, created


async def create(
    pool: asyncpg.Pool,
    author: Author,
    content: Content,
    now: datetime,
    *,
    submit: bool,
    story_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A draft, or a story sent up at once. With a `story_id` fixed by the Idempotency-Key, a
    retry after a lost answer creates nothing twice."""
    story_id = story_id or uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        row, created = await insert_draft(conn, author, content, story_id, now)
        if created and submit:
            await _submit(conn, row, author, now)
    if created:
        count_blocks(row)
    return story_id


async def locked(conn: db.Connection, story_id: uuid.UUID) -> StoryRow:
    row = await store.get(conn, story_id, lock=True)
    if row is None:
        raise StoryNotFoundError(str(story_id))
    return row


async def _submit(conn: db.Connection, row: StoryRow, author: Author, now: datetime) -> None:
    await _consented(conn, author)
    was = State(row.state)
    after = await _reaching_phq(
        conn, applied(row, chain.submit(domain_of(row), author.member_id), now)
    )
    await store.update(conn, after)
    action = "resubmitted" if was is State.SENT_BACK else "submitted"
    await store.add_step(conn, row.id, _step(action, after.level, author, now))
    event = (
        events.resubmitted(after, now)
        if was is State.SENT_BACK
        else events.submitted(after, await media_store.live_photo_count(conn, row.id), now)
    )
    await outbox.enqueue(conn, [event])


async def edit(
    pool: asyncpg.Pool, story_id: uuid.UUID, author: Author, content: Content, now: datetime
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        story = chain.edit(domain_of(row), author.member_id)
        edited = _gated(applied(row, story, now), content)
        await store.update(conn, edited)
        await store.add_step(conn, story_id, _step("edited", row.level, author, now))
    count_blocks(edited)


async def submit(pool: asyncpg.Pool, story_id: uuid.UUID, author: Author, now: datetime) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _submit(conn, await locked(conn, story_id), author, now)


async def withdraw(pool: asyncpg.Pool, story_id: uuid.UUID, author: Author, now: datetime) -> None:
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        after = applied(row, chain.withdraw(domain_of(row), author.member_id), now)
        await store.update(conn, after)
        await store.add_step(conn, story_id, _step("withdrawn", row.level, author, now))
        waiting = row.state == State.IN_REVIEW
        await outbox.enqueue(conn, [events.withdrawn(after, waiting, now)])


def actor_for(actors: list[Actor], story: Story) -> Actor:
    actor = chain.acting_as(actors, story)
    if actor is None:
        raise ChainRefusalError(
            "story.own_story"
            if any(a.member_id == story.author_id for a in actors)
            else "story.not_your_queue"
        )
    return actor


async def decide(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    decision: Decision,
    now: datetime,
    *,
    text: str | None = None,
    request_id: uuid.UUID | None = None,
) -> Actor:
    """The decision applied; the grant it was made through (for the audit trail). A request
    whose step exists already (a retry after a crash lost the first answer) applies nothing."""
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        if request_id is not None:
            done = await store.step_of_request(conn, story_id, request_id)
            if done is not None:
                return _made_by(actors, done)
        story = domain_of(row)
        actor = actor_for(actors, story)
        if decision is Decision.APPROVE:
            # Approval names its channels and scope and checks the versions: `handlers.approval`.
            raise ChainRefusalError("story.use_approval")
        after = applied(row, chain.decide(story, actor, decision, now, text=text), now)
        after = await _reaching_phq(conn, after)
        await store.update(conn, after)
        step = replace(
            _step(str(decision), row.level, actor, now), note=text or None, request_id=request_id
        )
        await store.add_step(conn, story_id, step)
        if decision is Decision.FORWARD:
            event = events.forwarded(row, after, actor, now)
        elif decision is Decision.SEND_BACK:
            event = events.sent_back(after, actor, now)
        else:
            event = events.rejected(row, actor, now)
        await outbox.enqueue(conn, [event])
    if row.arrived_at is not None and row.level is not None:
        waited = (now - row.arrived_at).total_seconds()
        metrics.STEP_SECONDS.labels(row.level, str(decision)).observe(max(waited, 0.0))
    return actor


def _made_by(actors: list[Actor], step: StepRow) -> Actor:
    """The caller's grant a step was made through (its role; the first such grant)."""
    same = [a for a in actors if a.member_id == step.by_id and str(a.role) == step.by_role]
    if not same:  # the key was reused by someone else's token: not theirs to replay
        raise ChainRefusalError("story.not_your_queue")
    return same[0]


async def claim(
    pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor], now: datetime, lapse: timedelta
) -> tuple[StoryRow, Actor]:
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        story = domain_of(row)
        actor = actor_for(actors, story)
        claimed, taken_from = chain.claim(story, actor, now, lapse)
        after = applied(row, claimed, now)
        await store.update(conn, after)
        await store.add_step(conn, story_id, _step("claimed", row.level, actor, now))
        await outbox.enqueue(conn, [events.claimed(after, actor, taken_from, now)])
        return after, actor


async def mine(pool: asyncpg.Pool, member_id: str, limit: int) -> list[WithSteps]:
    async with pool.acquire() as conn:
        rows = await store.of_author(conn, member_id, limit)
        ids = [r.id for r in rows]
        steps = await store.steps_of(conn, ids)
        approved = await cell_store.approvals(conn, ids)
        posts = await post_store.posts(conn, ids)
    return [WithSteps(r, steps[r.id], approved.get(r.id), tuple(posts[r.id])) for r in rows]


async def queue(
    pool: asyncpg.Pool, actors: list[Actor], level: ReviewLevel, limit: int
) -> list[StoryRow]:
    """What waits at `level` for the caller's grants there; nothing if they review elsewhere.
    A reviewer's own stories are left out: they cannot act on them."""
    if level is ReviewLevel.CIRCLE:
        scope = {"circle_ids": [a.unit_id for a in actors if a.role is Role.CO]}
    elif level is ReviewLevel.DISTRICT:
        scope = {"district_ids": [a.unit_id for a in actors if a.role is Role.SP]}
    else:
        scope = {}
    everywhere = level is ReviewLevel.PHQ and any(a.role in chain.PHQ_REVIEWERS for a in actors)
    if not everywhere and not any(scope.values()):
        raise ChainRefusalError("story.not_your_queue")
    async with pool.acquire() as conn:
        rows = await store.queue(conn, str(level), everywhere=everywhere, limit=limit, **scope)
    mine_ids = {a.member_id for a in actors}
    return [r for r in rows if r.author_id not in mine_ids]


async def full(pool: asyncpg.Pool, story_id: uuid.UUID) -> WithSteps:
    """One story with its steps, approval and posts."""
    async with pool.acquire() as conn:
        row = await store.get(conn, story_id)
        if row is None:
            raise StoryNotFoundError(str(story_id))
        steps = await store.steps_of(conn, [story_id])
        approved = await cell_store.approvals(conn, [story_id])
        posts = await post_store.posts(conn, [story_id])
    return WithSteps(row, steps[story_id], approved.get(story_id), tuple(posts[story_id]))


async def story(pool: asyncpg.Pool, story_id: uuid.UUID) -> StoryRow:
    async with pool.acquire() as conn:
        row = await store.get(conn, story_id)
    if row is None:
        raise StoryNotFoundError(str(story_id))
    return row


async def tally(pool: asyncpg.Pool) -> list[store.Tally]:
    async with pool.acquire() as conn:
        return await store.tally(conn)
