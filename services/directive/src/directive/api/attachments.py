"""Attachments: uploaded to the service by an issuer, linked from directives and the inbox."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import Authorized, authorize, require
from nazar_platform.http.input_guard import refuse_invalid_text

from directive.api import schemas, views
from directive.api.common import directive_for, now_of, pool_of, problem, settings_of
from directive.domain import attachments as rules
from directive.domain.model import InvalidRequestError
from directive.store import attachments as attachment_store

router = APIRouter(tags=["attachments"])
_CHUNK = 256 * 1024


@router.post("/attachments", status_code=201, response_model=schemas.AttachmentOut)
async def upload(
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_ISSUE))],
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or WebP")],
) -> schemas.AttachmentOut:
    """Upload a file to attach to a directive (its id goes in `attachment_ids`). Kept on disk
    under NAZAR_ATTACHMENT_DIR by content hash; the type is recognised from the bytes."""
    await authorize(request, principal, Action.DIRECTIVE_ISSUE)
    # The name comes inside the multipart body, past the platform's input guard.
    refuse_invalid_text(request, "body.file.filename", file.filename or "")
    settings = settings_of(request)
    try:
        sha, size, content_type = await run_in_threadpool(
            _keep,
            file.file,
            Path(settings.attachment_dir),
            file.content_type,
            settings.attachment_max_bytes,
        )
    except InvalidRequestError as exc:
        raise problem(422, "directive.attachment_refused", exc.detail, exc.detail_hi) from None
    row = attachment_store.AttachmentRow(
        id=uuid.uuid4(),
        filename=Path(file.filename or "attachment").name[:200] or "attachment",
        content_type=content_type,
        size=size,
        sha256=sha,
        uploaded_by=principal.member_id,
        created_at=now_of(request),
    )
    async with pool_of(request).acquire() as conn:
        await attachment_store.insert_attachment(conn, row)
    return views.attachment(row)


@router.get("/attachments/{attachment_id}", response_class=FileResponse)
async def download(
    attachment_id: uuid.UUID, request: Request, principal: Authorized
) -> FileResponse:
    """The file, for whoever uploaded it, received a directive carrying it, or may read one."""
    pool = pool_of(request)
    async with pool.acquire() as conn:
        found = await attachment_store.attachments(conn, [attachment_id])
        directives = await attachment_store.directives_carrying(conn, attachment_id)
        received = await attachment_store.received_by(conn, principal.member_id, attachment_id)
    if not found:
        raise problem(404, "directive.not_found", "no such attachment", "ऐसा कोई संलग्नक नहीं है")
    a = found[0]
    if a.uploaded_by != principal.member_id and not received:
        if not directives:
            await authorize(request, principal, Action.DIRECTIVE_ISSUE)
        elif scope_units(principal, Action.DIRECTIVE_READ).everywhere:
            await authorize(request, principal, Action.DIRECTIVE_READ)
        else:
            # 403 unless one of the directives carrying it is the caller's to read.
            await directive_for(request, principal, Action.DIRECTIVE_READ, directives[0])
    return file_response(settings_of(request).attachment_dir, a)


def _keep(source: BinaryIO, folder: Path, declared: str | None, limit: int) -> tuple[str, int, str]:
    """Copy the upload into the folder under its SHA-256 (blocking: run in a thread); refuse it
    if it is too large or not a type we accept. Returns (sha256, size, content type)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    break
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        content_type = rules.check(declared, head, size, limit)
        sha = digest.hexdigest()
        os.replace(temp, folder / sha)
        return sha, size, content_type
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def file_response(folder: Path, a: attachment_store.AttachmentRow) -> FileResponse:
    path = Path(folder) / a.sha256
    if not path.is_file():
        raise problem(404, "directive.not_found", "the file is missing", "फ़ाइल उपलब्ध नहीं है")
    return FileResponse(path, media_type=a.content_type, filename=a.filename)
