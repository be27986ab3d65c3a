"""What Meta's Graph API fakes share: its error bodies, its request fields and timestamps, and the
messages of its rate-limit codes ("Handling Errors" and "Rate Limits", Graph API documentation)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

RATE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}


def graph_error(
    status: int,
    code: int,
    message: str,
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
    transient: bool = False,
) -> web.Response:
    body: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "is_transient": transient,
        "fbtrace_id": base64.urlsafe_b64encode(uuid.uuid4().bytes[:9]).decode(),
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return web.json_response({"error": body}, status=status)


async def fields_of(request: web.Request) -> dict[str, Any]:
    """Graph takes a post's fields as a form, multipart, or a JSON object (where
    `attached_media` is a list rather than `attached_media[i]` fields)."""
    if request.content_type != "application/json":
        return dict(await request.post())
    try:
        body = await request.json()
    except ValueError:
        return {}
    fields: dict[str, Any] = {}
    for key, value in (body if isinstance(body, dict) else {}).items():
        if key == "attached_media" and isinstance(value, list):
            for i, item in enumerate(value):
                fields[f"attached_media[{i}]"] = json.dumps(item)
        elif isinstance(value, bool):
            fields[key] = "true" if value else "false"
        else:
            fields[key] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return fields


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
