"""The input guard: what is not text, or a number no column can hold, is a 422 at the edge.

`nazar_platform.text.first_invalid` is the one definition of unacceptable text (NUL and the other
C0 controls but tab and line breaks, DEL, lone surrogates, noncharacters): PostgreSQL refuses some
of it deep inside a handler (a 500), and none of it is meant as text by a person.
`InputGuardMiddleware`, installed by `create_app` on every service, looks before routing at

* the path, percent-decoded (`/units/%00`): field `path.<parameter>` when a route template names
  the segment, else `path`;
* every query parameter, name and value, decoded as Starlette decodes them: `query.<name>`;
* every header value: `header.<name>`;
* JSON bodies (`application/json`, `application/*+json`): every string, object keys included, at
  any depth, named as FastAPI names fields (`body.title.hi`, `body.tags.2`); and every number
  outside the signed 64-bit range (or not finite), which no column holds;
* URL-encoded form bodies: `form.<name>`.

The first bad one is answered with a 422 problem (`invalid_text`, or `number_out_of_range`) whose
`errors` name the field and whose texts name the character (`U+0000`), in Hindi or English.
A body is read in full (up to the body limit, which the inner `BodyLimitMiddleware` enforces:
a larger one is handed on unread) and then handed on unchanged. A JSON body is walked string by
string only when its raw text could hold a bad string (a `\\u` escape, a bad character as such);
otherwise it is only parsed, its numbers checked as they are read (a 100 kB webhook of statuses
costs well under a millisecond). A body that is not valid JSON is left to the route, which answers
its own 422.

Code that takes text another way (a multipart file name, a CSV cell) calls `refuse_invalid_text`
for the same problem. The one exception is a provider's signed webhook (route class `webhook`):
what a provider reports happened cannot be refused, so such a route replaces the bad characters
(`nazar_platform.text.clean_strings`) and keeps the rest.

A date-time a client sends (a query filter, an expiry) is a `Timestamp` (or `AwareTimestamp`,
which needs its offset): one the driver cannot turn into UTC (`9999-12-31T23:59
-12:00`) is a 422 `datetime_out_of_range` of its field, not a 500.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nazar_platform.http.edge import WEBHOOK, route_table
from nazar_platform.http.problem_messages import register
from nazar_platform.http.problems import (
    FieldError,
    ProblemError,
    problem_response,
    request_language,
)
from nazar_platform.text import describe, first_invalid

INT64 = range(-(2**63), 2**63)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The ASCII characters `first_invalid` refuses, as bytes: an ASCII body is checked without
# decoding it character by character (most bodies are ASCII, and some are large webhooks).
_ASCII_INVALID = re.compile(
    b"["
    + b"".join(re.escape(bytes([c])) for c in range(128) if first_invalid(chr(c)) is not None)
    + b"]"
)

register(
    "invalid_text",
    422,
    title_en="Characters not allowed",
    title_hi="अमान्य अक्षर",
    detail_en="{field} contains a character that is not allowed in text: {char}.",
    detail_hi="{field} में ऐसा अक्षर है जो पाठ में अनुमत नहीं है: {char}।",
)
register(
    "number_out_of_range",
    422,
    title_en="Number out of range",
    title_hi="संख्या सीमा से बाहर",
    detail_en="{field} is a number larger than any this API accepts.",
    detail_hi="{field} ऐसी संख्या है जो इस API की सीमा से बड़ी है।",
)
_FIELD_TEXTS = {
    "invalid_character": (
        "Contains a character that is not allowed in text: {char}.",
        "इसमें ऐसा अक्षर है जो पाठ में अनुमत नहीं है: {char}।",
    ),
    "number_out_of_range": (
        "A number larger than any this API accepts.",
        "यह संख्या इस API की सीमा से बड़ी है।",
    ),
}


def _fits_utc(value: datetime) -> datetime:
    # What asyncpg does with it: a naive value is taken as UTC, an aware one converted to UTC.
    try:
        (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError(
            "datetime_out_of_range", "Must lie between the years 1 and 9999 in UTC."
        ) from None
    return value


Timestamp = Annotated[datetime, AfterValidator(_fits_utc)]
AwareTimestamp = Annotated[AwareDatetime, AfterValidator(_fits_utc)]


class _RefusedInputError(Exception):
    def __init__(self, field: str, char: str | None) -> None:
        self.field = field
        self.char = char  # None: a number out of range


def refuse_invalid_text(request: Request, field: str, value: str) -> None:
    """Raise the guard's 422 problem when `value` holds a character that is not text."""
    at = first_invalid(value)
    if at is not None:
        char = describe(value[at])
        error = _error(field, char, request_language(request))
        raise ProblemError(
            422,
            "invalid_text",
            detail_params={"field": field, "char": char},
            extensions={"errors": [error.model_dump()]},
        )


def _error(field: str, char: str | None, language: str) -> FieldError:
    kind = "number_out_of_range" if char is None else "invalid_character"
    template = _FIELD_TEXTS[kind][1 if language == "hi" else 0]
    return FieldError(field=field, message=template.format(char=char), type=kind)


def _text(field: str, value: str) -> None:
    at = first_invalid(value)
    if at is not None:
        raise _RefusedInputError(field, describe(value[at]))


def _name(prefix: str, name: str) -> str:
    return prefix if first_invalid(name) is not None else f"{prefix}.{name}"


def _check_pairs(prefix: str, pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        _text(prefix, name)
        _text(_name(prefix, name), value)


def _check_path(scope: Scope) -> None:
    path: str = scope["path"]
    at = first_invalid(path)
    if at is None:
        return
    params = route_table(scope["app"]).path_params(path)
    field = next((f"path.{k}" for k, v in params.items() if first_invalid(v) is not None), "path")
    raise _RefusedInputError(field, describe(path[at]))


def _check_json(document: Any) -> None:
    """Depth-first, in document order, without recursion (a document may nest deeply)."""
    stack: list[tuple[Any, str]] = [(document, "body")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            _text(where, value)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if value not in INT64:
                raise _RefusedInputError(where, None)
        elif isinstance(value, float):
            if not math.isfinite(value) or abs(value) >= 2**63:
                raise _RefusedInputError(where, None)
        elif isinstance(value, dict):
            for key in value:
                _text(where, key)
            stack.extend((item, f"{where}.{key}") for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, f"{where}.{i}") for i, item in reversed(list(enumerate(value))))


class _NumberOutOfRangeError(Exception):
    pass


def _bounded_int(token: str) -> int:
    value = int(token)
    if value not in INT64:
        raise _NumberOutOfRangeError
    return value


def _bounded_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value) or abs(value) >= 2**63:
        raise _NumberOutOfRangeError
    return value


def _not_a_number(token: str) -> float:
    raise _NumberOutOfRangeError  # NaN, Infinity


def _strings_are_text(body: bytes) -> bool:
    """True when no string of this JSON text can hold a bad character: no `\\u` escape, and no
    bad character as such."""
    if b"\\u" in body:
        return False
    if body.isascii():
        return _ASCII_INVALID.search(body) is None
    try:
        return first_invalid(body.decode("utf-8")) is None
    except UnicodeDecodeError:
        return False  # maybe UTF-16 or -32, which json.loads also reads


def _check_body(media_type: str, body: bytes) -> None:
    if media_type == "application/x-www-form-urlencoded":
        _check_pairs("form", parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        return
    walk = not _strings_are_text(body)
    try:
        if walk:
            document = json.loads(body)
        else:
            # Numbers are checked as they are parsed; only a refusal needs the walk, to name them.
            json.loads(
                body,
                parse_int=_bounded_int,
                parse_float=_bounded_float,
                parse_constant=_not_a_number,
            )
            return
    except _NumberOutOfRangeError:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route answers its own 422
    _check_json(document)


def _declared_over(scope: Scope, limit: int) -> bool:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            return value.isdigit() and int(value) > limit
    return False


def _media_type(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-type":
            return str(value.decode("latin-1")).split(";", 1)[0].strip().lower()
    return ""


def _is_checked_body(media_type: str) -> bool:
    return (
        media_type == "application/json"
        or (media_type.startswith("application/") and media_type.endswith("+json"))
        or media_type == "application/x-www-form-urlencoded"
    )


def _provider_signed(scope: Scope) -> bool:
    """A provider's webhook: its body is what the provider says happened (a member's reply, a
    status), signed by the provider. Refusing it would make the provider redeliver it for days and
    then drop every status batched with it; the route cleans the text instead
    (`nazar_platform.text.clean_strings`)."""
    table = route_table(scope["app"])
    return table.route_class(scope["method"], scope["path"]) == WEBHOOK


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_path(scope)
            query = scope.get("query_string", b"").decode("latin-1")
            _check_pairs("query", parse_qsl(query, keep_blank_values=True))
            for key, value in scope.get("headers", ()):
                _text(f"header.{key.decode('latin-1').lower()}", value.decode("latin-1"))
            media_type = _media_type(scope)
            if (
                scope["method"] in _BODY_METHODS
                and _is_checked_body(media_type)
                and not _provider_signed(scope)
            ):
                limit = route_table(scope["app"]).body_limit(
                    scope["method"], scope["path"], self.max_body_bytes
                )
                if _declared_over(scope, limit):
                    # The body limit within answers 413 from the header alone: reading the
                    # body first would wait on a client that announced 100 MB (security suite).
                    await self.app(scope, receive, send)
                    return
                body, complete = await self._read(receive, limit)
                receive = _replay(body, not complete, receive)
                if complete:
                    _check_body(media_type, body)
        except _RefusedInputError as refusal:
            await self._refuse(scope, receive, send, refusal)
            return
        await self.app(scope, receive, send)

    async def _read(self, receive: Receive, limit: int) -> tuple[bytes, bool]:
        """The body, and whether it is all of it: reading stops past the limit (the body limit
        answers 413 from what is left) and at a disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True
            if size > limit:
                return b"".join(chunks), False

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, refusal: _RefusedInputError
    ) -> None:
        request = Request(scope, receive)
        language = request_language(request)
        code = "number_out_of_range" if refusal.char is None else "invalid_text"
        response = problem_response(
            request,
            422,
            code,
            detail_params={"field": refusal.field, "char": refusal.char or "-"},
            errors=[_error(refusal.field, refusal.char, language)],
        )
        await response(scope, receive, send)


def _replay(body: bytes, more: bool, receive: Receive) -> Receive:
    """A receive that hands on the body read so far, then whatever else the client sends."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
