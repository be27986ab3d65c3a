"""Request plumbing every Nazar API shares: request ids, the last-resort 500, body limits, media
types and HTTP metrics.

* `RequestContextMiddleware` (outermost): takes `X-Request-ID` when it is sane (1..128 of
  `A-Z a-z 0-9 . _ : -`), else makes one; puts it in `request.state.request_id`, in every log line
  of the request (structlog contextvars) and on the response. It also turns an exception that
  escaped everything else into a 500 problem document (logged with the request id, nothing
  internal shown) and counts requests per route template for Prometheus.
* `BodyLimitMiddleware`: a body larger than the limit is a 413 problem naming the limit that
  applied, checked on `Content-Length` before anything is read and again while a chunked body
  streams in. The limit is the service's (`NAZAR_HTTP_MAX_BODY_BYTES`) unless the route declares
  its own (`nazar_platform.http.edge.body_limit`).
* `require_json_body`: a route dependency answering 415 when a route that takes a JSON body gets
  another media type (FastAPI would otherwise call it a 422 about the body's shape).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nazar_platform.http.edge import route_table
from nazar_platform.http.problems import ProblemError, on_unhandled, problem_response
from nazar_platform.observability import metrics

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED_ROUTE = "<unmatched>"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def request_id_for(incoming: str | None) -> str:
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The matched route as written (`/api/v1/notes/{note_id}`), so metrics stay low-cardinality."""
    # FastAPI records the full path (prefixes included) of an included route here.
    effective = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(effective, "path", None) or getattr(scope.get("route"), "path_format", None)
    return str(path) if path else UNMATCHED_ROUTE


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        request_id = request_id_for(_header(scope, b"x-request-id"))
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if response_started:
                    # Half a response is on the wire; all that is left is to drop the connection.
                    log.error("error after the response started", exc_info=exc)
                    raise
                response = await on_unhandled(Request(scope, receive), exc)
                await response(scope, receive, send_with_id)
            finally:
                route = route_template(scope)
                method = scope["method"]
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_REQUEST_SECONDS.labels(method, route).observe(
                    time.perf_counter() - started
                )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = route_table(scope["app"]).body_limit(scope["method"], scope["path"], self.max_bytes)
        params = {"limit": limit}
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                Request(scope, receive), 413, "payload_too_large", detail_params=params
            )
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body.
                    raise ProblemError(413, "payload_too_large", detail_params=params)
            return message

        await self.app(scope, counting_receive, send)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def require_json_body(request: Request) -> None:
    """415 unless a body sent to a route that takes JSON is JSON (form routes are left alone)."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None or type(body_field.field_info).__name__ in ("Form", "File"):
        return
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    content_type = request.headers.get("content-type", "")
    if has_body and not _is_json(content_type):
        raise ProblemError(
            415,
            "unsupported_media_type",
            detail_params={"expected": "application/json", "got": content_type or "-"},
            headers={"Accept-Post": "application/json"},
        )
