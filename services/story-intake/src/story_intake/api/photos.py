"""Photos and creatives of a story, and the signed media URLs that serve their files.

* `POST /stories/{id}/photos` (one photo a request, multipart field `file`): the author, while
  the story is a draft or sent back; `DELETE /stories/{id}/photos/{photo_id}` likewise.
* `GET /stories/{id}/photos`: whoever may read the story (`?history=true`: replaced creatives
  and removed photos too, for the approver's diff).
* `POST /stories/{id}/creatives/{channel}`: the PHQ cell and the approvers, on a story at PHQ.
* `POST /stories/{id}/photos/{photo_id}/confirm-unidentifiable`: an approver, on a marked story.
* `GET /media/{sha256}?token=...`: the file, for whoever holds a signed URL (no sign-in).

The uploads declare their own body limit (`UPLOAD_BODY_BYTES`); every other route keeps the
service's 1 MiB.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse
from nazar_platform.auth.access import AccessDecision, Action, scopes_for
from nazar_platform.auth.links import FileLinks
from nazar_platform.auth.tokens import Grant, Principal
from nazar_platform.files import LocalFiles
from nazar_platform.http.access import Authorized, require
from nazar_platform.http.edge import SIGNED_LINK, body_limit, route_class
from nazar_platform.http.input_guard import refuse_invalid_text
from nazar_platform.http.problems import ProblemError
from nazar_platform.runtime.context import runtime_of

from story_intake import metrics
from story_intake.api.media_views import media_out
from story_intake.api.problems import NOT_FOUND, media_refusal, refusal
from story_intake.api.schemas import ConfirmUnidentifiableIn, MediaListOut, MediaOut
from story_intake.domain.chain import Actor, ChainRefusalError
from story_intake.domain.media import MediaRefusalError, channel_of
from story_intake.handlers import photos as handlers
from story_intake.handlers.media_links import MediaLinkError, MediaLinks
from story_intake.handlers.stories import StoryNotFoundError
from story_intake.settings import UPLOAD_BODY_BYTES, StoryIntakeSettings

router = APIRouter(tags=["photos"])
Author = Annotated[Principal, Depends(require(Action.STORY_SUBMIT))]
Reviewer = Annotated[Principal, Depends(require(Action.STORY_MODERATE))]
Approver = Annotated[Principal, Depends(require(Action.STORY_APPROVE))]
Upload = Annotated[UploadFile, File(description="one JPEG, PNG or WebP image")]
UPLOAD = body_limit(UPLOAD_BODY_BYTES)
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _pool(request: Request) -> asyncpg.Pool:
    return runtime_of(request).pool


def _settings(request: Request) -> StoryIntakeSettings:
    settings: StoryIntakeSettings = runtime_of(request).settings  # type: ignore[assignment]
    return settings


def _media(request: Request) -> handlers.MediaContext:
    media: handlers.MediaContext = request.app.state.media
    return media


def _links(request: Request) -> MediaLinks:
    return MediaLinks.of(_settings(request))


def _now() -> datetime:
    return datetime.now(UTC)


def _actors(principal: Principal) -> list[Actor]:
    return [Actor(principal.member_id, g.role, g.unit_id) for g in principal.grants]


def _author(principal: Principal) -> handlers.Who:
    grant = scopes_for(principal, Action.STORY_SUBMIT)[0][0]  # `require` saw at least one
    return handlers.Who(principal.member_id, str(grant.role))


def _audit_as(request: Request, actor: Actor) -> None:
    """The audit row names the grant the member acted through."""
    decision: AccessDecision = request.state.access_decision
    request.state.access_decision = replace(decision, grant=Grant(actor.role, actor.unit_id))


@contextmanager
def _refusals(kind: str = "photo") -> Iterator[None]:
    try:
        yield
    except MediaRefusalError as exc:
        metrics.MEDIA_REFUSED.labels(kind, exc.code.split(".", 1)[1]).inc()
        raise media_refusal(exc) from None
    except ChainRefusalError as exc:
        metrics.MEDIA_REFUSED.labels(kind, exc.code.split(".", 1)[1]).inc()
        raise refusal(exc) from None
    except StoryNotFoundError:
        raise ProblemError(404, NOT_FOUND) from None


def _file_name(request: Request, upload: UploadFile) -> None:
    # The name comes inside the multipart body, past the platform's input guard; it is never
    # kept or trusted (the type comes from the bytes), but it is still text we were sent.
    refuse_invalid_text(request, "body.file.filename", upload.filename or "")


@router.post(
    "/stories/{story_id}/photos",
    status_code=201,
    summary="Add one photo to my draft or sent-back story",
    openapi_extra=UPLOAD,
)
async def add_photo(
    story_id: uuid.UUID, request: Request, principal: Author, file: Upload
) -> MediaOut:
    _file_name(request, file)
    with _refusals():
        row = await handlers.add_photo(
            _pool(request), _media(request), story_id, _author(principal), file.file, _now()
        )
    return media_out(row, _links(request), _now())


@router.get("/stories/{story_id}/photos", summary="The story's photos and creatives")
async def list_photos(
    story_id: uuid.UUID,
    request: Request,
    principal: Authorized,
    history: Annotated[bool, Query(description="also replaced creatives, removed photos")] = False,
) -> MediaListOut:
    with _refusals():
        _, rows = await handlers.readable(
            _pool(request), story_id, _actors(principal), history=history
        )
    links, now = _links(request), _now()
    return MediaListOut(items=[media_out(r, links, now) for r in rows])


@router.delete(
    "/stories/{story_id}/photos/{photo_id}",
    status_code=204,
    summary="Remove a photo from my draft or sent-back story",
    responses={
        409: {
            "description": "Problem document (RFC 9457); code: `media.photos_locked`",
            "content": _PROBLEM,
        }
    },
)
async def remove_photo(
    story_id: uuid.UUID, photo_id: uuid.UUID, request: Request, principal: Author
) -> Response:
    with _refusals():
        await handlers.remove_photo(_pool(request), story_id, photo_id, _author(principal), _now())
    return Response(status_code=204)


@router.post(
    "/stories/{story_id}/creatives/{channel}",
    status_code=201,
    summary="Attach the creative for a channel (replaces the previous one, kept as history)",
    openapi_extra=UPLOAD,
)
async def add_creative(
    story_id: uuid.UUID, channel: str, request: Request, principal: Reviewer, file: Upload
) -> MediaOut:
    _file_name(request, file)
    with _refusals("creative"):
        row, actor = await handlers.add_creative(
            _pool(request),
            _media(request),
            story_id,
            channel_of(channel),
            _actors(principal),
            file.file,
            _now(),
        )
    _audit_as(request, actor)
    return media_out(row, _links(request), _now())


@router.post(
    "/stories/{story_id}/photos/{photo_id}/confirm-unidentifiable",
    summary="Confirm that no person can be identified on this photo or creative (approver)",
)
async def confirm_unidentifiable(
    story_id: uuid.UUID,
    photo_id: uuid.UUID,
    body: ConfirmUnidentifiableIn,
    request: Request,
    principal: Approver,
) -> MediaOut:
    with _refusals():
        row, actor = await handlers.confirm_unidentifiable(
            _pool(request), story_id, photo_id, _actors(principal), body.reason, _now()
        )
    _audit_as(request, actor)
    return media_out(row, _links(request), _now())


@router.get(
    "/media/{sha256}",
    summary="A photo, rendition or creative, through its signed, expiring URL",
    response_class=Response,
    openapi_extra=route_class(SIGNED_LINK),
    responses={
        200: {
            "description": "the file",
            "content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}},
        },
        410: {
            "description": "Problem document (RFC 9457); code: `media.link_expired`",
            "content": _PROBLEM,
        },
    },
)
async def media(
    sha256: str,
    request: Request,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return await send_file(request, sha256, token, _links(request))


async def send_file(request: Request, sha256: str, token: str, links: FileLinks) -> Response:
    """The kept file `sha256` for whoever holds a link `links` signed for it (stories' or
    alerts' photos: each their own path and purpose)."""
    try:
        links.verify(sha256, token, _now())
    except MediaLinkError as exc:
        code = "media.link_expired" if exc.expired else "media.link_invalid"
        raise ProblemError(410 if exc.expired else 404, code) from None
    found = await handlers.kept_file(_pool(request), sha256)
    files = _media(request).files
    if found is None:
        raise ProblemError(404, "media.link_invalid")
    # The URL is the credential: caches other than the holder's own must not keep the file.
    headers = {"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"}
    if isinstance(files, LocalFiles):
        path = files.path(sha256)
        if path is None:
            raise ProblemError(404, "media.link_invalid")
        return FileResponse(path, media_type=found.media_type, headers=headers)
    return StreamingResponse(
        files.chunks(sha256),
        media_type=found.media_type,
        headers={**headers, "Content-Length": str(found.size)},
    )
