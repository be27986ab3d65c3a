"""What a request is for, known before the router runs: the route's parameters and its class.

The input guard names a bad path parameter (`path.unit_id`) and the rate limiter picks the limit of
a route's class before the app has routed the request (a flood must be refused before it costs
anything). Both look the path up in the app's own OpenAPI document, whose paths are the route
templates, compiled once on first use. A route declares its class where it is written:

    @router.get("/inbox/d/{token}", openapi_extra=route_class(SIGNED_LINK))

and the class is visible to integrators as the operation's `x-nazar-route-class`. Routes that
declare nothing are `api`: called with a bearer token. The other classes are the unauthenticated
entry points, each with its own per-address limit (`nazar_platform.http.ratelimit`).

A route that takes more than the service-wide body limit (`NAZAR_HTTP_MAX_BODY_BYTES`, sized for
JSON) declares its own, shown as `x-nazar-body-limit`; the body limit and the input guard of the
platform apply it to that operation alone (a photo upload, not every JSON route):

    @router.post("/stories/{story_id}/photos", openapi_extra=body_limit(16 * 1024 * 1024))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp

ROUTE_CLASS_KEY = "x-nazar-route-class"
BODY_LIMIT_KEY = "x-nazar-body-limit"

API = "api"
SIGNED_LINK = "signed_link"  # a signed link in a notice: the link is the only credential
WEBHOOK = "webhook"  # a provider's callback, signed by an HMAC of its body
WEBHOOK_VERIFY = "webhook_verify"  # a provider's subscription check with a shared verify token
DEV_SIGN_IN = "dev_sign_in"  # local and test stacks: a token for any member
SIGN_IN = "sign_in"  # phone sign-in: ask for a code, check it (the roster's own limits follow)
ROUTE_CLASSES = (API, SIGNED_LINK, WEBHOOK, WEBHOOK_VERIFY, DEV_SIGN_IN, SIGN_IN)


def route_class(name: str) -> dict[str, Any]:
    """`openapi_extra` of a route of class `name`."""
    if name not in ROUTE_CLASSES:
        raise ValueError(f"unknown route class {name!r}; one of {ROUTE_CLASSES}")
    return {ROUTE_CLASS_KEY: name}


def body_limit(max_bytes: int) -> dict[str, Any]:
    """`openapi_extra` of a route taking bodies of up to `max_bytes` (combine with `route_class`
    by merging the two dicts)."""
    if max_bytes < 1:
        raise ValueError("a body limit is at least one byte")
    return {BODY_LIMIT_KEY: max_bytes}


@dataclass(frozen=True)
class _Template:
    regex: re.Pattern[str]
    classes: dict[str, str]  # HTTP method -> route class
    limits: dict[str, int]  # HTTP method -> its own body limit, where it declares one


class RouteTable:
    """The route templates of an app's OpenAPI document, with each operation's class."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self._templates: list[_Template] = []
        for template, item in openapi.get("paths", {}).items():
            regex, _, _ = compile_path(template)
            classes = {
                method.upper(): str(operation.get(ROUTE_CLASS_KEY, API))
                for method, operation in item.items()
                if isinstance(operation, dict)
            }
            limits = {
                method.upper(): int(operation[BODY_LIMIT_KEY])
                for method, operation in item.items()
                if isinstance(operation, dict) and BODY_LIMIT_KEY in operation
            }
            self._templates.append(_Template(regex, classes, limits))
        # Classifying runs on every request: look only at templates whose class is not `api`.
        self._classified = [t for t in self._templates if set(t.classes.values()) != {API}]
        self._limited = [t for t in self._templates if t.limits]

    def route_class(self, method: str, path: str) -> str:
        method = "GET" if method == "HEAD" else method
        for template in self._classified:
            if method in template.classes and template.regex.match(path):
                return template.classes[method]
        return API

    def body_limit(self, method: str, path: str, default: int) -> int:
        """The operation's own body limit, else `default` (the service-wide one)."""
        for template in self._limited:
            if method in template.limits and template.regex.match(path):
                return template.limits[method]
        return default

    def path_params(self, path: str) -> dict[str, str]:
        """The parameters of the first template `path` matches (none when no template does)."""
        for template in self._templates:
            found = template.regex.match(path)
            if found:
                return found.groupdict()
        return {}


def route_table(app: ASGIApp) -> RouteTable:
    """The app's table, built from its OpenAPI document on first use and kept on its state."""
    state = getattr(app, "state", None)
    table: RouteTable | None = getattr(state, "route_table", None)
    if table is None:
        openapi = getattr(app, "openapi", None)
        table = RouteTable(openapi() if callable(openapi) else {})
        if state is not None:
            state.route_table = table
    return table
