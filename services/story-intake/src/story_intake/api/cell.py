"""The PHQ cell's routes: per-channel versions (gated), one-click redaction, the diff, live checks
for the editor, acknowledgements of `review` findings, marks, and approval with its channels.

Reading and writing versions wants `story.edit`-or-`story.moderate` at PHQ (the cell and the
approvers); acknowledging, clearing a mark and approving want `story.approve` (SP PHQ Crime, ADG
Crime). The domain (`domain/cell.py`) decides the rest; every refusal is a problem in Hindi and
English.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.problems import ProblemError

from story_intake.api.cell_schemas import (
    AckIn,
    AckOut,
    ApprovalIn,
    CheckTextIn,
    CircBodyIn,
    CircTitleIn,
    DiffOpOut,
    DiffOut,
    ImagesDiffOut,
    LiveCheckOut,
    MarkIn,
    MeasureOut,
    PartDiffOut,
    PartFindingOut,
    RedactVersionIn,
    SeedOut,
    VersionIn,
    VersionOut,
    VersionsOut,
    finding_out,
)
from story_intake.api.schemas import StoryOut
from story_intake.api.stories import (
    Claim,
    Reviewer,
    _actors,
    _audit_as,
    _now,
    _out,
    _photos,
    _pool,
    _refusals,
    _settings,
    approval_out,
    post_out,
)
from story_intake.domain.channels import Channel, Measure, VersionText, measure
from story_intake.handlers import approval as approval_handlers
from story_intake.handlers import cell as handlers
from story_intake.handlers import stories as story_handlers
from story_intake.handlers.media_links import MediaLinks
from story_intake.store.cell import AckRow, FindingRow, VersionRow

router = APIRouter(tags=["phq cell"])
# A version number: far above any story's edits, well inside PostgreSQL's integer.
VersionNo = Annotated[int, Path(ge=1, le=100_000)]
Editor = Annotated[Principal, Depends(require(Action.STORY_EDIT))]
Approver = Annotated[Principal, Depends(require(Action.STORY_APPROVE))]


def _channel(name: str) -> Channel:
    try:
        return Channel(name)
    except ValueError:
        raise ProblemError(404, "story.unknown_channel") from None


def _text(body: VersionIn) -> VersionText:
    t, b = body.title or CircTitleIn(), body.body or CircBodyIn()
    return VersionText(body.text, t.hi, t.en, b.hi, b.en)


def _findings(found: tuple[FindingRow, ...]) -> list[PartFindingOut]:
    return [finding_out(i, f.part, f.rule, f.start, f.end, f.text) for i, f in enumerate(found)]


def _measure(m: Measure) -> MeasureOut:
    return MeasureOut(
        length=m.length,
        limit=m.limit,
        too_long=m.too_long,
        hashtags=m.hashtags,
        hashtag_limit=m.hashtag_limit,
        too_many_hashtags=m.too_many_hashtags,
        thread_parts=m.thread_parts,
    )


def _ack(a: AckRow) -> AckOut:
    return AckOut(
        channel=Channel(a.channel),
        version=a.n,
        finding=a.finding,
        rule=a.rule,
        reason=a.reason,
        by=a.by_id,
        by_role=a.by_role,
        at=a.at,
    )


def _version(request: Request, v: VersionRow, acks: list[AckRow]) -> VersionOut:
    channel = Channel(v.channel)
    text = handlers.text_of(v)
    circulation = channel is Channel.CIRCULATION
    return VersionOut(
        channel=channel,
        n=v.n,
        text=v.text,
        title=CircTitleIn(hi=v.title_hi, en=v.title_en) if circulation else None,
        body=CircBodyIn(hi=v.body_hi, en=v.body_en) if circulation else None,
        author_id=v.author_id,
        author_role=v.author_role,
        redacted_from=v.redacted_from,
        gate_verdict=v.gate_verdict,
        findings=_findings(v.findings),
        acknowledgements=[_ack(a) for a in acks if (a.channel, a.n) == (v.channel, v.n)],
        measure=_measure(measure(channel, text, _settings(request).instagram_hashtag_limit)),
        at=v.at,
    )


def _seed(found: handlers.Versions) -> SeedOut:
    c = found.story.content
    joined = "\n\n".join(p for p in (c.title_hi or c.title_en, c.text_hi or c.text_en) if p)
    return SeedOut(
        text=joined or None,
        title=CircTitleIn(hi=c.title_hi, en=c.title_en),
        body=CircBodyIn(hi=c.text_hi, en=c.text_en),
    )


@router.get("/stories/{story_id}/versions", summary="Every channel's versions, gated, and the seed")
async def list_versions(
    story_id: uuid.UUID,
    request: Request,
    principal: Reviewer,
    channel: Annotated[str | None, Query(description="only this channel")] = None,
) -> VersionsOut:
    with _refusals():
        found = await handlers.versions(
            _pool(request), story_id, _actors(principal), _channel(channel) if channel else None
        )
    s = found.story
    return VersionsOut(
        story_id=str(s.id),
        state=s.state,
        level=s.level,
        sexual_offence=s.sexual_offence,
        child_involved=s.child_involved,
        field_findings=None if found.phq_findings is None else _findings(found.phq_findings),
        seed=_seed(found),
        items=[_version(request, v, found.acks) for v in found.versions],
        approval=approval_out(found.approval),
        posts=[post_out(p) for p in found.posts],
    )


@router.get("/stories/{story_id}/versions/{channel}/diff", summary="What changed between versions")
async def diff_versions(
    story_id: uuid.UUID,
    channel: str,
    request: Request,
    principal: Reviewer,
    before: Annotated[int, Query(alias="from", ge=1, le=100_000)],
    after: Annotated[int, Query(alias="to", ge=1, le=100_000)],
) -> DiffOut:
    ch = _channel(channel)
    with _refusals():
        parts, images = await handlers.diff(
            _pool(request), story_id, _actors(principal), ch, before, after
        )
    return DiffOut(
        images=ImagesDiffOut(
            before=list(images.before),
            after=list(images.after),
            added=list(images.added),
            removed=list(images.removed),
        ),
        channel=ch,
        before=before,
        after=after,
        parts=[
            PartDiffOut(
                part=p.part,
                changed=p.changed,
                ops=[DiffOpOut(op=o.op, before=o.before, after=o.after) for o in p.ops],
                unified=list(p.unified),
            )
            for p in parts
        ],
    )


@router.get("/stories/{story_id}/versions/{channel}/{n}", summary="One version with its findings")
async def get_version(
    story_id: uuid.UUID, channel: str, n: VersionNo, request: Request, principal: Reviewer
) -> VersionOut:
    with _refusals():
        v, acks = await handlers.one(
            _pool(request), story_id, _actors(principal), _channel(channel), n
        )
    return _version(request, v, acks)


@router.post(
    "/stories/{story_id}/versions/{channel}",
    status_code=201,
    summary="Write a new version of a channel's text (gated at once)",
)
async def create_version(
    story_id: uuid.UUID,
    channel: str,
    body: VersionIn,
    request: Request,
    response: Response,
    principal: Editor,
    _: Claim,
) -> VersionOut:
    with _refusals():
        v = await handlers.write(
            _pool(request),
            story_id,
            _actors(principal),
            _channel(channel),
            _text(body),
            _now(),
        )
    response.headers["Location"] = f"/api/v1/stories/{story_id}/versions/{channel}/{v.n}"
    return _version(request, v, [])


@router.post(
    "/stories/{story_id}/versions/{channel}/{n}/redact",
    status_code=201,
    summary="One-click redaction: a new version without the chosen findings, gated again",
)
async def redact_version(
    story_id: uuid.UUID,
    channel: str,
    n: VersionNo,
    body: RedactVersionIn,
    request: Request,
    principal: Editor,
    _: Claim,
) -> VersionOut:
    chosen = set(body.findings) if body.findings is not None else None
    with _refusals():
        v = await handlers.redact_version(
            _pool(request),
            story_id,
            _actors(principal),
            _channel(channel),
            n,
            chosen,
            _now(),
        )
    return _version(request, v, [])


@router.post("/editor/check", summary="Live checks as the writer types: length, hashtags, gate")
def live_check(body: CheckTextIn, request: Request, _: Editor) -> LiveCheckOut:
    channel = _channel(body.channel)
    done = handlers.live_check(channel, _text(body), _settings(request).instagram_hashtag_limit)
    return LiveCheckOut(
        channel=channel,
        measure=_measure(done.measure),
        gate_verdict=done.gated.verdict,
        findings=_findings(done.gated.findings),
        sexual_offence=done.gated.sexual_offence,
        child_involved=done.gated.child_involved,
    )


@router.post(
    "/stories/{story_id}/acknowledgements",
    status_code=201,
    summary="Acknowledge a review finding with a reason (approver)",
)
async def acknowledge(
    story_id: uuid.UUID, body: AckIn, request: Request, principal: Approver, _: Claim
) -> AckOut:
    with _refusals():
        ack = await handlers.acknowledge(
            _pool(request),
            story_id,
            _actors(principal),
            _channel(body.channel),
            body.version,
            body.finding,
            body.reason,
            _now(),
        )
    return _ack(ack)


@router.post(
    "/stories/{story_id}/marks",
    summary="Set a mark (any reviewer of the step) or clear it with a reason (approver)",
)
async def mark(
    story_id: uuid.UUID, body: MarkIn, request: Request, principal: Reviewer, _: Claim
) -> StoryOut:
    with _refusals():
        row = await handlers.mark(
            _pool(request),
            story_id,
            _actors(principal),
            body.mark,
            body.set,
            body.reason,
            _now(),
        )
    return _out(row)


@router.post(
    "/stories/{story_id}/approval",
    summary="Approve: circulation scope and public channels, the versions read (approver)",
)
async def approve(
    story_id: uuid.UUID, body: ApprovalIn, request: Request, principal: Approver, _: Claim
) -> StoryOut:
    pool = _pool(request)
    req = approval_handlers.Request(
        scope=body.scope,
        public=tuple(body.public_channels),
        versions={_channel(c): n for c, n in body.versions.items()},
        hashtag_limit=_settings(request).instagram_hashtag_limit,
        links=MediaLinks.of(_settings(request)),
        overflow=body.overflow,
    )
    with _refusals():
        actor = await approval_handlers.approve(pool, story_id, _actors(principal), req, _now())
        full = await story_handlers.full(pool, story_id)
    _audit_as(request, actor, full.story)
    photos = await _photos(request, [story_id])
    return _out(full.story, full.steps, photos[story_id], approval=full.approval, posts=full.posts)
