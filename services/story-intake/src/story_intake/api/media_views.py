"""A photo or creative row → its API view, with signed, expiring URLs of its three files."""

from __future__ import annotations

from datetime import datetime

from story_intake.api.schemas import MediaOut, UnidentifiableOut
from story_intake.handlers.media_links import MediaLinks
from story_intake.store.media import MediaRow


def media_out(row: MediaRow, links: MediaLinks, now: datetime) -> MediaOut:
    url, expires_at = links.url(row.sha256, now)
    unidentifiable = None
    if row.unidentifiable_by and row.unidentifiable_role and row.unidentifiable_at:
        unidentifiable = UnidentifiableOut(
            by=row.unidentifiable_by,
            by_role=row.unidentifiable_role,
            at=row.unidentifiable_at,
            reason=row.unidentifiable_reason or "",
        )
    return MediaOut.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "channel": row.channel,
            "version": row.version,
            "sha256": row.sha256,
            "media_type": row.media_type,
            "size": row.size,
            "width": row.width,
            "height": row.height,
            "url": url,
            "thumb_url": links.url(row.thumb_sha256, now)[0],
            "web_url": links.url(row.web_sha256, now)[0],
            "url_expires_at": expires_at,
            "added_by": row.added_by,
            "added_role": row.added_role,
            "added_at": row.added_at,
            "replaced_at": row.replaced_at,
            "deleted_at": row.deleted_at,
            "unidentifiable": unidentifiable,
        }
    )
