"""SQL of the media store: kept files and the posts that need them. Functions take a connection
and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from nazar_platform.db import Connection


@dataclass(frozen=True, slots=True)
class KeptFile:
    sha256: str
    media_type: str
    size: int


async def hold(conn: Connection, post_id: str, sha256: str, position: int, now: datetime) -> None:
    """Record that `post_id` needs the file, after waiting for a sweep deleting it right now
    (the row's lock): from here on the sweep leaves the file alone."""
    await conn.execute("SELECT 1 FROM media_files WHERE sha256 = $1 FOR UPDATE", sha256)
    await conn.execute(
        """INSERT INTO media_uses (post_id, sha256, position, acquired_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (post_id, sha256)
           DO UPDATE SET acquired_at = EXCLUDED.acquired_at, released_at = NULL""",
        post_id,
        sha256,
        position,
        now,
    )


async def kept(conn: Connection, sha256: str) -> KeptFile | None:
    row = await conn.fetchrow(
        "SELECT sha256, media_type, size FROM media_files WHERE sha256 = $1", sha256
    )
    return None if row is None else KeptFile(row["sha256"], row["media_type"], row["size"])


async def record_file(
    conn: Connection, sha256: str, media_type: str, size: int, now: datetime
) -> None:
    await conn.execute(
        """INSERT INTO media_files (sha256, media_type, size, stored_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (sha256) DO NOTHING""",
        sha256,
        media_type,
        size,
        now,
    )


async def release(conn: Connection, post_id: str, now: datetime) -> int:
    status = await conn.execute(
        "UPDATE media_uses SET released_at = $2 WHERE post_id = $1 AND released_at IS NULL",
        post_id,
        now,
    )
    return int(status.split()[-1])


_NEEDED = """EXISTS (SELECT 1 FROM media_uses u WHERE u.sha256 = f.sha256
                  AND ((u.released_at IS NULL AND u.acquired_at > $1)
                       OR u.released_at > $2))"""


async def lock_unneeded(
    conn: Connection, now: datetime, retention: timedelta, hold_max: timedelta, limit: int
) -> Sequence[str]:
    """Files no post needs any more, locked for deletion (others' locked rows skipped). A use is
    live while open and younger than `hold_max`, or released less than `retention` ago."""
    rows = await conn.fetch(
        f"""SELECT f.sha256 FROM media_files f
            WHERE f.stored_at <= $2 AND NOT {_NEEDED}
            ORDER BY f.stored_at LIMIT $3
            FOR UPDATE SKIP LOCKED""",
        now - hold_max,
        now - retention,
        limit,
    )
    return [r["sha256"] for r in rows]


async def still_unneeded(
    conn: Connection, sha256: str, now: datetime, retention: timedelta, hold_max: timedelta
) -> bool:
    """Checked again under the lock, in a statement of its own (a fresh snapshot): a use
    committed while the candidates were being picked keeps the file."""
    needed = await conn.fetchval(
        f"SELECT {_NEEDED} FROM media_files f WHERE f.sha256 = $3",
        now - hold_max,
        now - retention,
        sha256,
    )
    return needed is False


async def forget(conn: Connection, sha256: str) -> None:
    await conn.execute("DELETE FROM media_uses WHERE sha256 = $1", sha256)
    await conn.execute("DELETE FROM media_files WHERE sha256 = $1", sha256)


async def stored_bytes(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(sum(size), 0) FROM media_files"))
