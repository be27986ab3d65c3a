"""RFC 9457 problem documents for every error a Nazar HTTP API returns.

A problem document is `application/problem+json`:

    {"type": "https://nazar.example/problems/validation_failed", "title": "अमान्य अनुरोध",
     "status": 422, "detail": "2 फ़ील्ड अमान्य हैं; ...", "instance": "/api/v1/notes",
     "code": "validation_failed", "request_id": "5f0c...",
     "errors": [{"field": "body.title.hi", "message": "...", "type": "string_too_long"}]}

`type` is an absolute URI under `NAZAR_PROBLEM_TYPE_BASE` (`https://nazar.example/problems/` by
default, a reserved `.example` domain: stable and unique, but not meant to be dereferenced, as RFC
9457 section 4 allows; a deployment that publishes its problem pages sets its own); clients branch
on `type` or on the equivalent short `code`, never on the translated `title`/`detail`. `instance`
is the request path and `request_id` the id echoed in `X-Request-ID`, so a user can quote it.
Texts come from `nazar_platform.http.problem_messages` in Hindi or English (see there for how the
language is chosen); `Content-Language` says which.

Code raises `ProblemError(status, code, detail_params=..., headers=...)`;
`install_problem_handlers(app)` turns it, FastAPI's validation errors, Starlette's HTTP errors
(404, 405, 413, ...) and any unhandled exception (a 500 that shows nothing internal, logged with
the request id) into problem documents, and documents them in the OpenAPI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from nazar_platform.http import problem_messages
from nazar_platform.http.problem_messages import generic, lookup, negotiate

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://nazar.example/problems/"
# The request state key the audit trail reads to explain a refusal or failure.
PROBLEM_CODE_STATE = "problem_code"
# Why a request was refused (401, 403, 429), precisely (`key_confusion`, `outside_scope`,
# `rate_limit.address`): for the audit's refusal counts and the log, never for the caller.
REFUSAL_REASON_STATE = "refusal_reason"

# Codes for Starlette's own HTTP errors. A plain 401/403 (e.g. from a FastAPI security class
# with auto_error) gets the access layer's codes, registered by nazar_platform.http.access.
_STATUS_CODES = {
    400: "bad_request",
    401: "auth.not_signed_in",
    403: "access.forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "not_ready",
}


def problem_type(code: str, base: str = TYPE_BASE) -> str:
    return f"{base}{code}"


class FieldError(BaseModel):
    field: str = Field(description="Where: `body.title.hi`, `query.limit`, `header.x`, ...")
    message: str = Field(description="What is wrong, in the response's language")
    type: str = Field(description="Stable machine-readable kind, e.g. `string_too_long`")


class Problem(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"`{TYPE_BASE}<code>`")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(None, description="The request path")
    code: str = Field(description="Stable error code; the same as the end of `type`")
    request_id: str | None = Field(None, description="Echoed in the X-Request-ID header")
    errors: list[FieldError] | None = Field(None, description="Every bad field (422 only)")


class ProblemError(StarletteHTTPException):
    """Raise anywhere in a request to answer with a problem document.

    `code` selects the texts in the catalogue; `detail_params` fill its detail template;
    `headers` go on the response (e.g. `WWW-Authenticate`, `Retry-After`); `extensions` become
    extra members of the document (RFC 9457 section 3.2).
    """

    def __init__(
        self,
        status: int,
        code: str,
        *,
        detail_params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=code, headers=dict(headers or {}) or None)
        self.status = status
        self.code = code
        self.detail_params: dict[str, Any] = dict(detail_params or {})
        self.extensions: dict[str, Any] = dict(extensions or {})


def _text(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def request_language(request: Request) -> str:
    """`hi` or `en` for this request: Accept-Language, else the caller's own language."""
    principal = getattr(request.state, "principal", None)
    own = getattr(principal, "language", None)
    return negotiate(request.headers.get("accept-language"), _text(own) if own else None)


def problem_response(
    request: Request,
    status: int,
    code: str,
    *,
    detail_params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[FieldError] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    language = request_language(request)
    message = lookup(code) or generic(status)
    request_id = getattr(request.state, "request_id", None)
    params = {"request_id": request_id or "-", **(detail_params or {})}
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": problem_type(code, getattr(request.app.state, "problem_type_base", TYPE_BASE)),
        "title": message.title(language),
        "status": status,
        "detail": message.detail(language, params),
        "instance": request.url.path,
        "code": code,
        "request_id": request_id,
    }
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    setattr(request.state, PROBLEM_CODE_STATE, code)
    out_headers = {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=out_headers
    )


def _field(loc: Sequence[int | str], error_type: str) -> str:
    if error_type == "json_invalid":
        return "body"  # pydantic puts the character offset here, which is not a field
    return ".".join(str(part) for part in loc)


def validation_errors(exc: RequestValidationError, language: str) -> list[FieldError]:
    out: list[FieldError] = []
    for error in exc.errors():
        error_type = str(error.get("type", "value_error"))
        message = problem_messages.field_message(
            error_type, error.get("ctx") or {}, language, str(error.get("msg", ""))
        )
        out.append(
            FieldError(field=_field(error["loc"], error_type), message=message, type=error_type)
        )
    return out


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.code,
        detail_params=exc.detail_params,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc, request_language(request))
    return problem_response(
        request, 422, "validation_failed", detail_params={"count": len(errors)}, errors=errors
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ProblemError):
        return await _on_problem(request, exc)
    status = exc.status_code
    code = _STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    params: dict[str, Any] = {}
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        params = {"method": request.method, "allowed": headers["Allow"]}
    elif status == 413:
        params = {"limit": getattr(request.app.state, "max_body_bytes", "?")}
    return problem_response(request, status, code, detail_params=params, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path. Starlette's own 405 names only the methods of
    the first route whose path matched, which is wrong when GET and POST are separate routes."""
    allowed = []
    for method in _METHODS:
        # A copy: matching writes routing details into the scope's "fastapi" dict.
        scope = {**request.scope, "method": method, "fastapi": {}}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.error(
        "unhandled error",
        request_id=request_id,
        method=request.method,
        path=request.url.path,
        exc_info=exc,
    )
    return problem_response(request, 500, "internal_error")


def install_problem_handlers(app: FastAPI) -> None:
    """Every error of `app` becomes a problem document, documented in its OpenAPI."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, on_unhandled)
    document_problems(app)


# --- OpenAPI -------------------------------------------------------------------------------------

_ALWAYS = (400, 401, 403, 404, 422, 429, 500)  # 429: every route is rate limited
_WITH_BODY = (409, 413, 415)
_SCHEMA_REF = {"$ref": "#/components/schemas/Problem"}


def _codes_for(status: int) -> list[str]:
    known = [code for code, m in problem_messages.catalogue().items() if m.status == status]
    return sorted(known) or [_STATUS_CODES.get(status, "bad_request")]


def _problem_response(status: int) -> dict[str, Any]:
    codes = ", ".join(f"`{c}`" for c in _codes_for(status))
    return {
        "description": f"Problem document (RFC 9457); code: {codes}",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _SCHEMA_REF}},
    }


def _rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(components["Problem"].pop("$defs", {}))
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            statuses = _ALWAYS + (_WITH_BODY if method in ("post", "put", "patch") else ())
            for status in statuses:
                existing = responses.get(str(status))
                if existing is None or status == 422:
                    responses[str(status)] = _problem_response(status)
            for code, response in responses.items():
                content = response.get("content", {})
                if code[:1] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def document_problems(app: FastAPI) -> None:
    """Document a problem response for each error class on every operation of `app`."""
    original: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _rewrite(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
