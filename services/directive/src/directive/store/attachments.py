"""Attachments' records (the files themselves are on disk, named by their SHA-256)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nazar_platform.db import Connection


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    id: UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime


_ATTACHMENT_COLUMNS = "id, filename, content_type, size, sha256, uploaded_by, created_at"


async def attachments(conn: Connection, ids: Sequence[UUID]) -> list[AttachmentRow]:
    if not ids:
        return []
    rows = await conn.fetch(
        f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE id = ANY($1::uuid[]) ORDER BY id",
        list(ids),
    )
    return [AttachmentRow(**dict(r)) for r in rows]


async def insert_attachment(conn: Connection, a: AttachmentRow) -> None:
    await conn.execute(
        f"INSERT INTO attachments ({_ATTACHMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        a.id,
        a.filename,
        a.content_type,
        a.size,
        a.sha256,
        a.uploaded_by,
        a.created_at,
    )


async def directives_carrying(conn: Connection, attachment_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT id FROM directives WHERE $1 = ANY(attachment_ids)", attachment_id
    )
    return [r["id"] for r in rows]


async def received_by(conn: Connection, member_id: str, attachment_id: UUID) -> bool:
    """Whether the member was sent a directive carrying the attachment."""
    found = await conn.fetchval(
        "SELECT true FROM deliveries d JOIN directives x ON x.id = d.directive_id "
        "WHERE d.member_id = $1 AND $2 = ANY(x.attachment_ids) LIMIT 1",
        member_id,
        attachment_id,
    )
    return bool(found)
