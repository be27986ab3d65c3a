"""`GET /media/{sha256}?token=...`: a kept creative, for whoever holds our signed, expiring URL
(Instagram fetching a container's `image_url`). No sign-in: the URL is the credential, so the
answer says `Cache-Control: private` (no shared cache keeps it) and a forged or expired token is
a problem document (403 / 410), never the file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from nazar_platform.files import LocalFiles
from nazar_platform.http.edge import SIGNED_LINK, route_class
from nazar_platform.http.problems import ProblemError

from social_publisher.handlers import media as handlers
from social_publisher.handlers.media import MediaLinkError, MediaStore

router = APIRouter(tags=["media"])
_PROBLEM: dict[str, dict[str, str]] = {"application/problem+json": {}}
# The URL is the credential: only the holder's own cache may keep the file, and not for long.
HEADERS = {"Cache-Control": "private, max-age=3600", "Content-Disposition": "inline"}


def _store(request: Request) -> MediaStore:
    store: MediaStore | None = request.app.state.media.store
    if store is None:  # before startup finished
        raise ProblemError(503, "unavailable")
    return store


@router.get(
    "/media/{sha256}",
    summary="A kept creative, through the publisher's signed, expiring URL",
    response_class=Response,
    openapi_extra=route_class(SIGNED_LINK),
    responses={
        200: {"description": "the file", "content": {"image/jpeg": {}, "image/png": {}}},
        403: {"description": "Problem document; code `media.link_invalid`", "content": _PROBLEM},
        404: {"description": "Problem document; code `media.gone`", "content": _PROBLEM},
        410: {"description": "Problem document; code `media.link_expired`", "content": _PROBLEM},
    },
)
async def media(
    sha256: str, request: Request, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    store = _store(request)
    try:
        store.links.verify(sha256, token, datetime.now(UTC))
    except MediaLinkError as exc:
        if exc.expired:
            raise ProblemError(410, "media.link_expired") from None
        raise ProblemError(403, "media.link_invalid") from None
    found = await handlers.kept_file(store.pool, sha256)
    if found is None:
        raise ProblemError(404, "media.gone")
    headers = {**HEADERS, "Content-Length": str(found.size)}
    if isinstance(store.files, LocalFiles):
        path = store.files.path(sha256)
        if path is None:
            raise ProblemError(404, "media.gone")
        return FileResponse(path, media_type=found.media_type, headers=HEADERS)
    return StreamingResponse(
        store.files.chunks(sha256), media_type=found.media_type, headers=headers
    )
