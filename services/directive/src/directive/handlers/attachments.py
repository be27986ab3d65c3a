"""Upload an attachment: the file is kept by content hash, then recorded."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import asyncpg

from directive.adapters import files
from directive.store import attachments as store


@dataclass(frozen=True, slots=True)
class Upload:
    source: BinaryIO
    filename: str | None
    declared_type: str | None
    by: str
    at: datetime


async def upload(
    pool: asyncpg.Pool, upload: Upload, folder: Path, max_bytes: int
) -> store.AttachmentRow:
    """Keep the file (refused with InvalidRequestError when too large or of a type not
    accepted) and record it."""
    sha, size, content_type = await asyncio.to_thread(
        files.keep, upload.source, folder, upload.declared_type, max_bytes
    )
    row = store.AttachmentRow(
        id=uuid.uuid4(),
        filename=Path(upload.filename or "attachment").name[:200] or "attachment",
        content_type=content_type,
        size=size,
        sha256=sha,
        uploaded_by=upload.by,
        created_at=upload.at,
    )
    async with pool.acquire() as conn:
        await store.insert_attachment(conn, row)
    return row
