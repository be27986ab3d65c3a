"""An alert's photos through the stories' image pipeline: each upload checked, re-encoded
upright without metadata, with its two renditions, and kept by hash — before the alert's
transaction, which then only records them (a refused photo refuses the alert, and leaves no
row). The same bytes sent twice in one alert are one photo."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from nazar_contracts.vocabulary import Role

from story_intake.adapters import images
from story_intake.handlers.photos import (
    MediaContext,
    keep_processed,
    processed_upload,
    restore_missing,
)
from story_intake.store import media as media_store
from story_intake.store.alerts import PhotoRow


@dataclass
class Made:
    files: list[media_store.FileRow] = field(default_factory=list)
    rows: list[PhotoRow] = field(default_factory=list)
    processed: list[images.Processed] = field(default_factory=list)
    kept: list[list[media_store.FileRow]] = field(default_factory=list)

    async def restore(self, ctx: MediaContext) -> None:
        """After the commit: whatever a retention sweep removed meanwhile is put back."""
        for processed, kept in zip(self.processed, self.kept, strict=True):
            await restore_missing(ctx, processed, kept)

    def discard(self) -> None:
        for processed in self.processed:
            processed.discard()


async def made(
    ctx: MediaContext, alert_id: uuid.UUID, uploads: list[BinaryIO], now: datetime
) -> Made:
    """Every upload processed and its files kept; `MediaRefusalError` for the first one refused
    (what was made before it is discarded)."""
    out = Made()
    seen: set[str] = set()
    try:
        for source in uploads:
            upload_sha, processed = await processed_upload(ctx, source)
            if upload_sha in seen:
                processed.discard()
                continue
            seen.add(upload_sha)
            out.processed.append(processed)
            kept = await asyncio.to_thread(keep_processed, ctx, processed)
            out.kept.append(kept)
            out.files += kept
            original, thumb, web = kept
            out.rows.append(
                PhotoRow(
                    id=uuid.uuid4(),
                    alert_id=alert_id,
                    position=len(out.rows),
                    upload_sha256=upload_sha,
                    sha256=original.sha256,
                    media_type=original.media_type,
                    size=original.size,
                    width=processed.original.width,
                    height=processed.original.height,
                    thumb_sha256=thumb.sha256,
                    web_sha256=web.sha256,
                    added_at=now,
                )
            )
    except BaseException:
        out.discard()
        raise
    return out


def story_photo(
    photo: PhotoRow, story_id: uuid.UUID, by: str, role: Role, now: datetime
) -> media_store.MediaRow:
    """An alert's photo as a photo of the draft made from it: the same kept files (content
    addressed), added by the officer who started the draft."""
    return media_store.MediaRow(
        id=uuid.uuid4(),
        story_id=story_id,
        kind="photo",
        channel=None,
        version=1,
        upload_sha256=photo.upload_sha256,
        sha256=photo.sha256,
        media_type=photo.media_type,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        thumb_sha256=photo.thumb_sha256,
        web_sha256=photo.web_sha256,
        added_by=by,
        added_role=str(role),
        added_at=now,
    )
