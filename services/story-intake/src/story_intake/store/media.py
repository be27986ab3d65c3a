"""Photos and creatives of stories, and the kept files they name, in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class FileRow:
    sha256: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class MediaRow:
    id: uuid.UUID
    story_id: uuid.UUID
    kind: str  # photo | creative
    channel: str | None
    version: int
    upload_sha256: str
    sha256: str
    media_type: str
    size: int
    width: int
    height: int
    thumb_sha256: str
    web_sha256: str
    added_by: str
    added_role: str
    added_at: datetime
    replaced_at: datetime | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    files_deleted_at: datetime | None = None
    unidentifiable_by: str | None = None
    unidentifiable_role: str | None = None
    unidentifiable_at: datetime | None = None
    unidentifiable_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.deleted_at is None and self.replaced_at is None


_COLUMNS = [f.name for f in fields(MediaRow)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM story_media"


def _row(r: Any) -> MediaRow:
    return MediaRow(**{k: r[k] for k in _COLUMNS})


async def keep_files(conn: db.Connection, files: Sequence[FileRow], now: datetime) -> None:
    """Record kept files; a file the retention sweep was deleting is wanted again. Waits on the
    sweep's row lock, so a file is never recorded while the sweep removes it."""
    await conn.executemany(
        "INSERT INTO stored_files (sha256, media_type, size, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (sha256) DO UPDATE SET deleting_at = NULL",
        [(f.sha256, f.media_type, f.size, now) for f in files],
    )


async def file(conn: db.Connection, sha256: str) -> FileRow | None:
    r = await conn.fetchrow(
        "SELECT sha256, media_type, size FROM stored_files "
        "WHERE sha256 = $1 AND deleting_at IS NULL",
        sha256,
    )
    return None if r is None else FileRow(r["sha256"], r["media_type"], r["size"])


async def insert(conn: db.Connection, row: MediaRow) -> None:
    values = [getattr(row, k) for k in _COLUMNS]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await conn.execute(
        f"INSERT INTO story_media ({', '.join(_COLUMNS)}) VALUES ({placeholders})", *values
    )


async def of_stories(
    conn: db.Connection, story_ids: Sequence[uuid.UUID], *, history: bool = False
) -> dict[uuid.UUID, list[MediaRow]]:
    """Each story's photos and creatives, oldest first; live ones only unless `history`."""
    live = "" if history else " AND deleted_at IS NULL AND replaced_at IS NULL"
    rows = await conn.fetch(
        f"{_SELECT} WHERE story_id = ANY($1::uuid[]){live} ORDER BY added_at, id",
        list(story_ids),
    )
    out: dict[uuid.UUID, list[MediaRow]] = {i: [] for i in story_ids}
    for r in rows:
        out[r["story_id"]].append(_row(r))
    return out


async def get(
    conn: db.Connection, story_id: uuid.UUID, media_id: uuid.UUID, *, lock: bool = False
) -> MediaRow | None:
    suffix = " FOR UPDATE" if lock else ""
    r = await conn.fetchrow(
        f"{_SELECT} WHERE story_id = $1 AND id = $2{suffix}", story_id, media_id
    )
    return None if r is None else _row(r)


async def live_photo_of_upload(
    conn: db.Connection, story_id: uuid.UUID, upload_sha256: str
) -> MediaRow | None:
    r = await conn.fetchrow(
        f"{_SELECT} WHERE story_id = $1 AND kind = 'photo' AND upload_sha256 = $2 "
        "AND deleted_at IS NULL",
        story_id,
        upload_sha256,
    )
    return None if r is None else _row(r)


async def live_photo_count(conn: db.Connection, story_id: uuid.UUID) -> int:
    n = await conn.fetchval(
        "SELECT count(*) FROM story_media WHERE story_id = $1 AND kind = 'photo' "
        "AND deleted_at IS NULL",
        story_id,
    )
    return int(n)


async def replace_creative(
    conn: db.Connection, story_id: uuid.UUID, channel: str, now: datetime
) -> int:
    """Retire the channel's live creative (kept as history); the next version number."""
    await conn.execute(
        "UPDATE story_media SET replaced_at = $3 WHERE story_id = $1 AND kind = 'creative' "
        "AND channel = $2 AND replaced_at IS NULL AND deleted_at IS NULL",
        story_id,
        channel,
        now,
    )
    top = await conn.fetchval(
        "SELECT max(version) FROM story_media WHERE story_id = $1 AND kind = 'creative' "
        "AND channel = $2",
        story_id,
        channel,
    )
    return int(top or 0) + 1


async def delete_photo(conn: db.Connection, media_id: uuid.UUID, by: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE story_media SET deleted_at = $2, deleted_by = $3 WHERE id = $1",
        media_id,
        now,
        by,
    )


async def confirm_unidentifiable(
    conn: db.Connection, media_id: uuid.UUID, by: str, role: str, reason: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE story_media SET unidentifiable_by = $2, unidentifiable_role = $3, "
        "unidentifiable_at = $4, unidentifiable_reason = $5 WHERE id = $1",
        media_id,
        by,
        role,
        now,
        reason,
    )


async def live_creatives(conn: db.Connection, story_id: uuid.UUID, channel: str) -> list[MediaRow]:
    rows = await conn.fetch(
        f"{_SELECT} WHERE story_id = $1 AND kind = 'creative' AND channel = $2 "
        "AND replaced_at IS NULL AND deleted_at IS NULL ORDER BY added_at, id",
        story_id,
        channel,
    )
    return [_row(r) for r in rows]


# --- retention ------------------------------------------------------------------------------


async def expire_closed(conn: db.Connection, closed_before: datetime, now: datetime) -> int:
    """Mark as gone the files of stories rejected or withdrawn before `closed_before`, and of
    photos their author removed before then; the number of rows marked."""
    done = await conn.execute(
        "UPDATE story_media m SET files_deleted_at = $2 FROM stories s "
        "WHERE m.story_id = s.id AND m.files_deleted_at IS NULL "
        "AND ((s.state IN ('rejected', 'withdrawn') AND s.updated_at < $1) "
        "OR m.deleted_at < $1)",
        closed_before,
        now,
    )
    return int(done.split()[-1])


async def mark_unreferenced(conn: db.Connection, now: datetime) -> list[str]:
    """Files no row (of any story or alert) still needs, marked for deletion; their hashes.
    An alert's photos are kept as long as the alert (a record of what was reported)."""
    rows = await conn.fetch(
        "UPDATE stored_files f SET deleting_at = $1 WHERE deleting_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM story_media m WHERE m.files_deleted_at IS NULL "
        "AND f.sha256 IN (m.sha256, m.thumb_sha256, m.web_sha256)) "
        "AND NOT EXISTS (SELECT 1 FROM alert_photos p "
        "WHERE f.sha256 IN (p.sha256, p.thumb_sha256, p.web_sha256)) RETURNING sha256",
        now,
    )
    return [r["sha256"] for r in rows]


async def marked_for_deletion(conn: db.Connection, limit: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT sha256 FROM stored_files WHERE deleting_at IS NOT NULL ORDER BY sha256 LIMIT $1",
        limit,
    )
    return [r["sha256"] for r in rows]


async def lock_marked(conn: db.Connection, sha256: str) -> bool:
    """Lock a file marked for deletion (an upload of the same bytes waits); False if an upload
    wanted it again meanwhile."""
    found = await conn.fetchval(
        "SELECT true FROM stored_files WHERE sha256 = $1 AND deleting_at IS NOT NULL FOR UPDATE",
        sha256,
    )
    return bool(found)


async def forget_file(conn: db.Connection, sha256: str) -> None:
    await conn.execute("DELETE FROM stored_files WHERE sha256 = $1", sha256)


async def stored_bytes(conn: db.Connection) -> int:
    n = await conn.fetchval("SELECT coalesce(sum(size), 0) FROM stored_files")
    return int(n)
