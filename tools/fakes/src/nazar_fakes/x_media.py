"""The fake X's media upload (API v2): simple upload for images, and the chunked session.

docs.x.com, "Upload media" / "Initialize media upload" / "Append media upload" / "Finalize
media upload" / "Get media upload status": `POST /2/media/upload` takes the file as multipart
`media` (or base64 in JSON) with `media_category` (`tweet_image`); the chunked session starts at
`POST /2/media/upload/initialize` (JSON `media_type`, `total_bytes`, `media_category`:
`tweet_video`, `tweet_gif`, `tweet_image`), takes segments at `/2/media/upload/{id}/append`
(multipart `media`, `segment_index` 0–999), ends at `/2/media/upload/{id}/finalize`; a video's
finalize answers `processing_info` `{"state": "pending", "check_after_secs"}` and
`GET /2/media/upload?command=STATUS&media_id=` reports `in_progress` until `succeeded`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_EXPIRES = 86400


IDS = itertools.count(1_866_000_000_000_000_000)


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> web.Response:
    return web.json_response(
        {"title": title, "detail": detail, "type": type_, "status": status}, status=status
    )


def unauthorized() -> web.Response:
    return problem(401, "Unauthorized", "Unauthorized")


def invalid(detail: str) -> web.Response:
    return web.json_response(
        {
            "errors": [{"message": detail}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
            "status": 400,
        },
        status=400,
    )


@dataclass
class Media:
    media_id: str
    user_id: str
    media_type: str
    total_bytes: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    finalized: bool = False
    polls_left: int = 0
    video: bool = False
    alt_text: str | None = None


def _data(media: Any, **extra: Any) -> dict[str, Any]:
    key_prefix = "7" if media.video else "3"
    return {
        "data": {
            "id": media.media_id,
            "media_key": f"{key_prefix}_{media.media_id}",
            "size": media.total_bytes,
            "expires_after_secs": _EXPIRES,
            **extra,
        }
    }


async def _file_and_fields(request: web.Request) -> tuple[bytes | None, dict[str, str]]:
    if request.content_type == "application/json":
        body = await request.json()
        try:
            raw = base64.b64decode(str(body.get("media", "")), validate=True)
        except (binascii.Error, ValueError):
            raw = None
        return raw, {k: str(v) for k, v in body.items() if k != "media"}
    form = await request.post()
    fields: dict[str, str] = {}
    raw_file: bytes | None = None
    for name, value in form.items():
        if name == "media":
            raw_file = value.file.read() if hasattr(value, "file") else str(value).encode()
        else:
            fields[name] = str(value)
    return raw_file, fields


class XMedia:
    def __init__(self, fake: Any) -> None:  # the FakeX that holds the sessions and limits
        self._fake = fake

    def _guard(self, request: web.Request) -> tuple[Any, web.Response | None, dict[str, str]]:
        grant = self._fake.auth.user_of(request)
        if grant is None:
            return None, unauthorized(), {}
        allowed, headers = self._fake.take("media", grant.user_id)
        if not allowed:
            return grant, self._fake.too_many(headers), headers
        return grant, None, headers

    async def simple(self, request: web.Request) -> web.Response:
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        raw, fields = await _file_and_fields(request)
        if not raw:
            return invalid("The media field is required.")
        if fields.get("media_category", "tweet_image") != "tweet_image":
            return invalid("Simple upload takes images only (media_category tweet_image).")
        if len(raw) > int(self._fake.config["image_max_bytes"]):
            return invalid("File size exceeds 5242880 bytes.")
        media = Media(str(next(IDS)), grant.user_id, fields.get("media_type", ""), len(raw))
        media.chunks[0] = raw
        media.finalized = True
        self._fake.media[media.media_id] = media
        return web.json_response(_data(media), headers=headers)

    async def initialize(self, request: web.Request) -> web.Response:
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        body = await request.json()
        try:
            total = int(body["total_bytes"])
            media_type = str(body["media_type"])
        except (KeyError, ValueError, TypeError):
            return invalid("media_type and total_bytes are required.")
        category = str(body.get("media_category", ""))
        media = Media(str(next(IDS)), grant.user_id, media_type, total)
        media.video = category in ("tweet_video", "amplify_video") or media_type.startswith(
            "video/"
        )
        self._fake.media[media.media_id] = media
        return web.json_response(_data(media), headers=headers)

    def _session(self, request: web.Request, grant: Any) -> Any:
        media = self._fake.media.get(
            request.match_info.get("id") or request.query.get("media_id", "")
        )
        if media is None or media.user_id != grant.user_id:
            return None
        return media

    async def append(self, request: web.Request) -> web.Response:
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        media = self._session(request, grant)
        if media is None or media.finalized:
            return invalid("The media upload session is unknown or finalized.")
        raw, fields = await _file_and_fields(request)
        try:
            index = int(fields["segment_index"])
        except (KeyError, ValueError):
            return invalid("segment_index is required.")
        if not raw or not 0 <= index <= 999:
            return invalid("A segment needs media and a segment_index from 0 to 999.")
        media.chunks[index] = raw
        return web.json_response({"data": {"expires_at": _EXPIRES}}, headers=headers)

    async def finalize(self, request: web.Request) -> web.Response:
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        media = self._session(request, grant)
        if media is None:
            return invalid("The media upload session is unknown.")
        received = sum(len(c) for c in media.chunks.values())
        if sorted(media.chunks) != list(range(len(media.chunks))) or received != media.total_bytes:
            return invalid(f"File size mismatch: expected {media.total_bytes}, got {received}.")
        media.finalized = True
        if not media.video:
            return web.json_response(_data(media), headers=headers)
        media.polls_left = int(self._fake.config["processing_polls"])
        info = {"state": "pending", "check_after_secs": self._fake.config["check_after_secs"]}
        return web.json_response(_data(media, processing_info=info), headers=headers)

    async def status(self, request: web.Request) -> web.Response:
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        if request.query.get("command") != "STATUS":
            return invalid("command must be STATUS.")
        media = self._session(request, grant)
        if media is None or not media.finalized:
            return invalid("Unknown media_id.")
        if media.polls_left > 0:
            media.polls_left -= 1
        if media.polls_left > 0:
            done = 100 - 50 * media.polls_left // max(1, int(self._fake.config["processing_polls"]))
            info: dict[str, Any] = {
                "state": "in_progress",
                "check_after_secs": self._fake.config["check_after_secs"],
                "progress_percent": done,
            }
        else:
            info = {"state": "succeeded", "progress_percent": 100}
        return web.json_response(_data(media, processing_info=info), headers=headers)

    async def metadata(self, request: web.Request) -> web.Response:
        """`POST /2/media/metadata {"id", "metadata": {"alt_text": {"text"}}}` (≤ 1,000)."""
        grant, refused, headers = self._guard(request)
        if refused is not None:
            return refused
        body = await request.json()
        media = self._fake.media.get(str(body.get("id", "")))
        if media is None or media.user_id != grant.user_id:
            return invalid("Unknown media id.")
        text = str(((body.get("metadata") or {}).get("alt_text") or {}).get("text", ""))
        if not text or len(text) > 1000:
            return invalid("alt_text.text must hold 1 to 1000 characters.")
        media.alt_text = text
        data = {"id": media.media_id, "associated_metadata": {"alt_text": {"text": text}}}
        return web.json_response({"data": data}, headers=headers)
