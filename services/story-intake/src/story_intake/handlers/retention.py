"""Retention: the files of rejected and withdrawn stories, and of photos their author removed,
are deleted NAZAR_MEDIA_RETENTION (30 days) later. Files are content-addressed, so a file that
another story (or another row) still uses is kept.

A sweep runs in three steps, each safe to cut short: the rows' files are marked gone and every
file no row needs any more is marked for deletion (one transaction); then each marked file is
deleted from the store under its row's lock and its row removed (an upload of the same bytes
waits on that lock, then records and puts the file back); a sweep cut short finds the marked
files again next time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from nazar_platform.files import FileStore

from story_intake import metrics
from story_intake.store import media as store

BATCH = 500


@dataclass(frozen=True, slots=True)
class Swept:
    rows: int  # photo and creative rows whose files are gone now
    files: int  # files deleted from the store


async def sweep(pool: asyncpg.Pool, files: FileStore, now: datetime, retention: timedelta) -> Swept:
    async with pool.acquire() as conn, conn.transaction():
        rows = await store.expire_closed(conn, now - retention, now)
        await store.mark_unreferenced(conn, now)
    deleted = 0
    while True:
        async with pool.acquire() as conn:
            batch = await store.marked_for_deletion(conn, BATCH)
        for sha in batch:
            async with pool.acquire() as conn, conn.transaction():
                if await store.lock_marked(conn, sha):
                    await asyncio.to_thread(files.delete, sha)
                    await store.forget_file(conn, sha)
                    deleted += 1
        if len(batch) < BATCH:
            break
    metrics.MEDIA_FILES_DELETED.inc(deleted)
    async with pool.acquire() as conn:
        metrics.MEDIA_BYTES.set(await store.stored_bytes(conn))
    return Swept(rows, deleted)
