"""Attachments: uploaded to the service by an issuer, linked from directives and the inbox."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse
from nazar_platform.auth.access import Action, scope_units
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import Authorized, authorize, require
from nazar_platform.http.edge import body_limit
from nazar_platform.http.input_guard import refuse_invalid_text

from directive.adapters import files
from directive.api import schemas, views
from directive.api.common import directive_for, now_of, pool_of, settings_of
from directive.api.problems import ISSUERS_ONLY, problem
from directive.domain.model import InvalidRequestError
from directive.handlers import attachments as handlers
from directive.settings import ATTACHMENT_BODY_BYTES
from directive.store import attachments as attachment_store

router = APIRouter(tags=["attachments"])


@router.post(
    "/attachments",
    status_code=201,
    response_model=schemas.AttachmentOut,
    openapi_extra=body_limit(ATTACHMENT_BODY_BYTES),
)
async def upload(
    request: Request,
    principal: Annotated[Principal, Depends(require(Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY))],
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or WebP")],
) -> schemas.AttachmentOut:
    """Upload a file to attach to a directive (its id goes in `attachment_ids`). Kept on disk
    under NAZAR_ATTACHMENT_DIR by content hash; the type is recognised from the bytes."""
    await authorize(request, principal, Action.DIRECTIVE_ISSUE, refused=ISSUERS_ONLY)
    # The name comes inside the multipart body, past the platform's input guard.
    refuse_invalid_text(request, "body.file.filename", file.filename or "")
    settings = settings_of(request)
    try:
        row = await handlers.upload(
            pool_of(request),
            handlers.Upload(
                file.file, file.filename, file.content_type, principal.member_id, now_of(request)
            ),
            Path(settings.attachment_dir),
            settings.attachment_max_bytes,
        )
    except InvalidRequestError as exc:
        raise problem(422, "directive.attachment_refused", exc.detail, exc.detail_hi) from None
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


def file_response(folder: Path, a: attachment_store.AttachmentRow) -> FileResponse:
    path = files.stored(Path(folder), a.sha256)
    if path is None:
        raise problem(404, "directive.not_found", "the file is missing", "फ़ाइल उपलब्ध नहीं है")
    return FileResponse(path, media_type=a.content_type, filename=a.filename)
