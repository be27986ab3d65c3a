"""Photos (the author's) and creatives (the PHQ cell's): add through the image pipeline, remove,
list, and the approver's "no person identifiable" confirmation.

An upload is checked against who may add it before its body is read further than the spooled
copy the web server made; then it is copied to a scratch file while hashed (up to the limit),
recognised by content, decoded in the image workers (CPU-bound: a thread pool as large as
NAZAR_IMAGE_WORKERS), and its three files kept by hash. Only then, in one transaction that
re-checks the story under its row lock, is the row written: a refused or failed upload leaves the
story exactly as it was (a kept file no row names is removed by the retention sweep).

Refusals are `MediaRefusalError`s and `ChainRefusalError`s (the domain's) or
`StoryNotFoundError`; `api/` turns them into problems.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import asyncpg
from nazar_contracts.stories import PublicChannel
from nazar_platform import db
from nazar_platform.files import FileStore, receive

from story_intake import metrics
from story_intake.adapters import images
from story_intake.domain import media as rules
from story_intake.domain.chain import Actor
from story_intake.domain.media import ImageLimits, MediaRefusalError
from story_intake.handlers.stories import StoryNotFoundError
from story_intake.handlers.stories import domain_of as story_domain
from story_intake.store import media as store
from story_intake.store import stories as story_store
from story_intake.store.stories import StoryRow


@dataclass
class MediaContext:
    """What the image use cases need from the process: where files go and how they are made."""

    files: FileStore
    scratch: Path
    limits: ImageLimits
    thumb_px: int
    web_px: int
    per_story: int
    workers: int
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    def executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="images")
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True, slots=True)
class Who:
    member_id: str
    role: str


async def _story(conn: db.Connection, story_id: uuid.UUID, *, lock: bool = False) -> StoryRow:
    row = await story_store.get(conn, story_id, lock=lock)
    if row is None:
        raise StoryNotFoundError(str(story_id))
    return row


def _marked(row: StoryRow) -> bool:
    return row.sexual_offence or row.child_involved


async def processed_upload(ctx: MediaContext, source: BinaryIO) -> tuple[str, images.Processed]:
    """The upload's hash and its three files (temporary), or MediaRefusalError."""
    received = await asyncio.to_thread(receive, source, ctx.scratch, ctx.limits.max_bytes)
    try:
        media_type = rules.check_upload(received.head, received.size, ctx.limits)
        loop = asyncio.get_running_loop()
        processed = await loop.run_in_executor(
            ctx.executor(),
            images.process,
            received.path,
            media_type,
            ctx.limits,
            ctx.scratch,
            ctx.thumb_px,
            ctx.web_px,
        )
    finally:
        received.discard()
    return received.sha256, processed


def keep_processed(ctx: MediaContext, processed: images.Processed) -> list[store.FileRow]:
    """Blocking: the three files into the store."""
    return [
        store.FileRow(ctx.files.put_file(out.path), out.media_type, out.size)
        for out in processed.outputs()
    ]


def _row(
    story_id: uuid.UUID,
    kind: str,
    upload_sha: str,
    kept: list[store.FileRow],
    processed: images.Processed,
    who: Who,
    now: datetime,
    channel: str | None = None,
    version: int = 1,
) -> store.MediaRow:
    original, thumb, web = kept
    return store.MediaRow(
        id=uuid.uuid4(),
        story_id=story_id,
        kind=kind,
        channel=channel,
        version=version,
        upload_sha256=upload_sha,
        sha256=original.sha256,
        media_type=original.media_type,
        size=original.size,
        width=processed.original.width,
        height=processed.original.height,
        thumb_sha256=thumb.sha256,
        web_sha256=web.sha256,
        added_by=who.member_id,
        added_role=who.role,
        added_at=now,
    )


async def restore_missing(
    ctx: MediaContext, processed: images.Processed, kept: list[store.FileRow]
) -> None:
    """A retention sweep may have removed an identical file between keeping it and recording it;
    the row is committed now, so put back whatever is missing."""

    def restore() -> None:
        for out, file in zip(processed.outputs(), kept, strict=True):
            if not ctx.files.exists(file.sha256):
                ctx.files.put_file(out.path, file.sha256)

    await asyncio.to_thread(restore)


async def add_photo(
    pool: asyncpg.Pool,
    ctx: MediaContext,
    story_id: uuid.UUID,
    who: Who,
    source: BinaryIO,
    now: datetime,
) -> store.MediaRow:
    """The author's photo on their draft or sent-back story; the same bytes again are the same
    photo (a retry over a flaky network adds nothing)."""
    async with pool.acquire() as conn:
        story = story_domain(await _story(conn, story_id))
        rules.may_change_photos(story, who.member_id)
        rules.check_photo_count(await store.live_photo_count(conn, story_id), ctx.per_story)
    upload_sha, processed = await processed_upload(ctx, source)
    try:
        kept = await asyncio.to_thread(keep_processed, ctx, processed)
        async with pool.acquire() as conn, conn.transaction():
            # Checked again under the story's lock: it may have been sent or filled meanwhile.
            story = story_domain(await _story(conn, story_id, lock=True))
            rules.may_change_photos(story, who.member_id)
            same = await store.live_photo_of_upload(conn, story_id, upload_sha)
            if same is not None:
                return same
            rules.check_photo_count(await store.live_photo_count(conn, story_id), ctx.per_story)
            await store.keep_files(conn, kept, now)
            row = _row(story_id, "photo", upload_sha, kept, processed, who, now)
            await store.insert(conn, row)
        await restore_missing(ctx, processed, kept)
        metrics.MEDIA_BYTES_STORED.labels("photo").inc(sum(f.size for f in kept))
        return row
    finally:
        processed.discard()


async def remove_photo(
    pool: asyncpg.Pool, story_id: uuid.UUID, photo_id: uuid.UUID, who: Who, now: datetime
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        rules.may_change_photos(
            story_domain(await _story(conn, story_id, lock=True)), who.member_id
        )
        row = await store.get(conn, story_id, photo_id, lock=True)
        if row is None or row.kind != "photo" or row.deleted_at is not None:
            raise MediaRefusalError("media.not_found")
        await store.delete_photo(conn, photo_id, who.member_id, now)


async def add_creative(
    pool: asyncpg.Pool,
    ctx: MediaContext,
    story_id: uuid.UUID,
    channel: PublicChannel,
    actors: list[Actor],
    source: BinaryIO,
    now: datetime,
) -> tuple[store.MediaRow, Actor]:
    """The designer's creative for a channel, checked against the network's rules; it replaces
    the channel's previous creative, which stays as history."""
    async with pool.acquire() as conn:
        rules.cell_member(story_domain(await _story(conn, story_id)), actors)
    upload_sha, processed = await processed_upload(ctx, source)
    try:
        original = processed.original
        rules.check_creative(
            channel, original.media_type, original.width, original.height, original.size
        )
        kept = await asyncio.to_thread(keep_processed, ctx, processed)
        async with pool.acquire() as conn, conn.transaction():
            actor = rules.cell_member(story_domain(await _story(conn, story_id, lock=True)), actors)
            version = await store.replace_creative(conn, story_id, str(channel), now)
            await store.keep_files(conn, kept, now)
            who = Who(actor.member_id, str(actor.role))
            row = _row(
                story_id, "creative", upload_sha, kept, processed, who, now, str(channel), version
            )
            await store.insert(conn, row)
        await restore_missing(ctx, processed, kept)
        metrics.MEDIA_BYTES_STORED.labels("creative").inc(sum(f.size for f in kept))
        return row, actor
    finally:
        processed.discard()


async def confirm_unidentifiable(
    pool: asyncpg.Pool,
    story_id: uuid.UUID,
    media_id: uuid.UUID,
    actors: list[Actor],
    reason: str | None,
    now: datetime,
) -> tuple[store.MediaRow, Actor]:
    """The approver confirms, for one image of a marked story, that no person can be identified
    on it (who, when, why: on the row; the request is in the audit trail)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await _story(conn, story_id, lock=True)
        actor = rules.approver(actors, _marked(row), reason)
        found = await store.get(conn, story_id, media_id, lock=True)
        if found is None or found.deleted_at is not None:
            raise MediaRefusalError("media.not_found")
        await store.confirm_unidentifiable(
            conn, media_id, actor.member_id, str(actor.role), (reason or "").strip(), now
        )
        after = await store.get(conn, story_id, media_id)
    assert after is not None
    return after, actor


async def readable(
    pool: asyncpg.Pool, story_id: uuid.UUID, actors: list[Actor], *, history: bool = False
) -> tuple[StoryRow, list[store.MediaRow]]:
    """The story's photos and creatives for someone who may read the story."""
    async with pool.acquire() as conn:
        row = await _story(conn, story_id)
        if not rules.may_read(story_domain(row), actors):
            raise MediaRefusalError("media.not_readable")
        found = await store.of_stories(conn, [story_id], history=history)
    return row, found[story_id]


async def of_stories(
    pool: asyncpg.Pool, story_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[store.MediaRow]]:
    """Live photos and creatives of stories the caller was already allowed to list."""
    async with pool.acquire() as conn:
        return await store.of_stories(conn, story_ids)


async def kept_file(pool: asyncpg.Pool, sha256: str) -> store.FileRow | None:
    async with pool.acquire() as conn:
        return await store.file(conn, sha256)
