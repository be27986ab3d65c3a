"""The PHQ cell's use cases: write a channel's version (gated), redact one in one click, read and
compare versions, acknowledge a `review` finding, set or clear a mark, check a text live.

Each change commits in one transaction with its story step (what the author and the audit
trail read); a version is never changed, only followed by a newer one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg
from nazar_platform import db

from story_intake.domain import cell
from story_intake.domain.chain import PHQ_REVIEWERS, Actor, ChainRefusalError, Story
from story_intake.domain.channels import Channel, Measure, VersionText, check_shape, measure
from story_intake.domain.diff import Image, ImagesDiff, PartDiff, diff_images, diff_parts
from story_intake.domain.redact import redact
from story_intake.domain.rules import Finding, Verdict, verdict_of
from story_intake.handlers.gate import check
from story_intake.handlers.stories import StoryNotFoundError, domain_of, locked
from story_intake.store import cell as store
from story_intake.store import media as media_store
from story_intake.store import posts as post_store
from story_intake.store import stories as story_store
from story_intake.store.cell import AckRow, FindingRow, VersionRow
from story_intake.store.stories import StepRow, StoryRow


@dataclass(frozen=True, slots=True)
class Gated:
    verdict: Verdict
    findings: tuple[FindingRow, ...]
    sexual_offence: bool
    child_involved: bool


def gate_parts(text: VersionText) -> Gated:
    """The gate on each part of a version; findings carry the part they are in."""
    findings: list[FindingRow] = []
    so = child = False
    for part, value in text.parts().items():
        result = check(value)
        so, child = so or result.sexual_offence, child or result.child_involved
        findings += [FindingRow(part, f.rule, f.start, f.end, f.text) for f in result.findings]
    verdict = verdict_of(tuple(_plain(f) for f in findings))
    return Gated(verdict, tuple(findings), so, child)


def _plain(f: FindingRow) -> Finding:
    return Finding(f.rule, f.start, f.end, f.text)


def _domain_finding(f: FindingRow) -> cell.PartFinding:
    return cell.PartFinding(f.part, f.rule, f.start, f.end, f.text)


def text_of(v: VersionRow) -> VersionText:
    return VersionText(v.text, v.title_hi, v.title_en, v.body_hi, v.body_en)


def _step(action: str, actor: Actor, at: datetime, note: str | None = None) -> StepRow:
    return StepRow(action, "phq", actor.member_id, str(actor.role), note, at)


async def _marked(conn: db.Connection, row: StoryRow, gated: Gated, now: datetime) -> None:
    """The marks the gate found on a version are set on the story (none is cleared here)."""
    so, child = (
        row.sexual_offence or gated.sexual_offence,
        row.child_involved or gated.child_involved,
    )
    if (so, child) != (row.sexual_offence, row.child_involved):
        await story_store.update(
            conn, replace(row, sexual_offence=so, child_involved=child, updated_at=now)
        )


async def _write(
    conn: db.Connection,
    row: StoryRow,
    actor: Actor,
    channel: Channel,
    text: VersionText,
    now: datetime,
    redacted_from: int | None = None,
) -> VersionRow:
    try:
        check_shape(channel, text)
    except ValueError as exc:
        raise ChainRefusalError(getattr(exc, "code", "story.channel_shape")) from None
    gated = gate_parts(text)
    n = await store.last_n(conn, row.id, channel.value) + 1
    version = VersionRow(
        row.id,
        channel.value,
        n,
        text.text,
        text.title_hi,
        text.title_en,
        text.body_hi,
        text.body_en,
        actor.member_id,
        str(actor.role),
        redacted_from,
        str(gated.verdict),
        gated.findings,
        now,
    )
    await store.add_version(conn, version)
    action = "redacted" if redacted_from else "version"
    note = f"{channel.value} v{n}" + (f" ← v{redacted_from}" if redacted_from else "")
    await story_store.add_step(conn, row.id, _step(action, actor, now, note))
    await _marked(conn, row, gated, now)
    return version


async def write(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    channel: Channel,
    text: VersionText,
    now: datetime,
) -> VersionRow:
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        actor = cell.writer(actors, domain_of(row), now)
        return await _write(conn, row, actor, channel, text, now)


async def redact_version(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    channel: Channel,
    n: int,
    indexes: set[int] | None,
    now: datetime,
) -> VersionRow:
    """A new version with the chosen findings of version `n` (by default every `block` one)
    replaced by the marker in the part's language; it is gated again like any version."""
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        actor = cell.writer(actors, domain_of(row), now)
        source = await _version_or_404(conn, story_id, channel, n)
        chosen = [
            f
            for i, f in enumerate(source.findings)
            if (
                i in indexes if indexes is not None else _domain_finding(f).verdict is Verdict.BLOCK
            )
        ]
        by_part: dict[str, list[FindingRow]] = defaultdict(list)
        for f in chosen:
            by_part[f.part].append(f)
        parts = text_of(source).parts()
        new = {
            part: redact(value, [_plain(f) for f in by_part.get(part, [])])
            for part, value in parts.items()
        }
        text = VersionText(
            **{k: new.get(k) for k in ("text", "title_hi", "title_en", "body_hi", "body_en")}
        )
        return await _write(conn, row, actor, channel, text, now, redacted_from=n)


async def _version_or_404(
    conn: db.Connection, story_id: uuid.UUID, channel: Channel, n: int | None
) -> VersionRow:
    version = await store.version(conn, story_id, channel.value, n)
    if version is None:
        raise ChainRefusalError("story.no_such_version")
    return version


@dataclass(frozen=True, slots=True)
class Versions:
    story: StoryRow
    versions: list[VersionRow]
    acks: list[AckRow]
    phq_findings: tuple[FindingRow, ...] | None
    approval: store.ApprovalRow | None
    posts: list[post_store.PostRow]


def reader(actors: list[Actor]) -> Actor:
    """Versions are the PHQ cell's: any of its reviewers reads them, at any state."""
    for a in actors:
        if a.role in PHQ_REVIEWERS:
            return a
    raise ChainRefusalError("story.not_your_queue")


async def versions(
    pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor], channel: Channel | None = None
) -> Versions:
    reader(actors)
    async with pool.acquire() as conn:
        row = await story_store.get(conn, story_id)
        if row is None:
            raise StoryNotFoundError(str(story_id))
        found = await store.versions(conn, story_id, channel.value if channel else None)
        acks = await store.acks(conn, story_id)
        phq = await store.phq_findings(conn, story_id)
        approval = (await store.approvals(conn, [story_id])).get(story_id)
        posts = (await post_store.posts(conn, [story_id]))[story_id]
    return Versions(row, found, acks, phq, approval, posts)


async def one(
    pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor], channel: Channel, n: int
) -> tuple[VersionRow, list[AckRow]]:
    reader(actors)
    async with pool.acquire() as conn:
        if await story_store.get(conn, story_id) is None:
            raise StoryNotFoundError(str(story_id))
        version = await _version_or_404(conn, story_id, channel, n)
        acks = [a for a in await store.acks(conn, story_id) if (a.channel, a.n) == (channel, n)]
    return version, acks


async def diff(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    channel: Channel,
    before: int,
    after: int,
) -> tuple[list[PartDiff], ImagesDiff]:
    reader(actors)
    async with pool.acquire() as conn:
        if await story_store.get(conn, story_id) is None:
            raise StoryNotFoundError(str(story_id))
        a = await _version_or_404(conn, story_id, channel, before)
        b = await _version_or_404(conn, story_id, channel, after)
        media = (await media_store.of_stories(conn, [story_id], history=True))[story_id]
    images = [
        Image(m.sha256, m.kind, m.channel, m.added_at, m.replaced_at or m.deleted_at) for m in media
    ]
    return (
        diff_parts(text_of(a).parts(), text_of(b).parts()),
        diff_images(images, channel.value, a.at, b.at),
    )


async def acknowledge(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    channel: Channel,
    n: int,
    finding: int,
    reason: str | None,
    now: datetime,
) -> AckRow:
    """The approver's acknowledgement of one `review` finding, with the reason (a story step
    too, so the author and the audit read who acknowledged which finding and why)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        actor = cell.approver(actors, domain_of(row))
        why = cell.need_reason(reason)
        version = await _version_or_404(conn, story_id, channel, n)
        facts = cell.VersionFacts(
            channel,
            n,
            version.author_id,
            tuple(_domain_finding(f) for f in version.findings),
            frozenset(),
            measure(channel, text_of(version), 0),
        )
        f = cell.acknowledgeable(facts, finding)
        ack = AckRow(channel.value, n, finding, f.rule, why, actor.member_id, str(actor.role), now)
        if await store.add_ack(conn, story_id, ack):
            note = f"{channel.value} v{n} #{finding} {f.rule} «{f.text}»: {why}"
            await story_store.add_step(conn, story_id, _step("acknowledged", actor, now, note))
            return ack
        return next(
            a
            for a in await store.acks(conn, story_id)
            if (a.channel, a.n, a.finding) == (channel.value, n, finding)
        )


async def mark(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    actors: list[Actor],
    which: cell.Mark,
    on: bool,
    reason: str | None,
    now: datetime,
) -> StoryRow:
    """Any reviewer of the step sets a mark; only an approver clears it, with a reason."""
    async with pool.acquire() as conn, conn.transaction():
        row = await locked(conn, story_id)
        story: Story = domain_of(row)
        if on:
            actor = cell.marker(actors, story)
            note = reason.strip() if reason and reason.strip() else None
        else:
            actor = cell.approver(actors, story)
            note = cell.need_reason(reason)
        if which is cell.Mark.SEXUAL_OFFENCE:
            after = replace(row, sexual_offence=on, updated_at=now)
        else:
            after = replace(row, child_involved=on, updated_at=now)
        await story_store.update(conn, after)
        action = "mark_set" if on else "mark_cleared"
        step = StepRow(
            action,
            row.level,
            actor.member_id,
            str(actor.role),
            f"{which.value}" + (f": {note}" if note else ""),
            now,
        )
        await story_store.add_step(conn, story_id, step)
        return after


@dataclass(frozen=True, slots=True)
class LiveCheck:
    measure: Measure
    gated: Gated


def live_check(channel: Channel, text: VersionText, hashtag_limit: int) -> LiveCheck:
    """What the editor shows as the writer types: the count against the limit, and the gate."""
    return LiveCheck(measure(channel, text, hashtag_limit), gate_parts(text))
