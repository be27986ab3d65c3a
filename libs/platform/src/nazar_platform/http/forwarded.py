"""The path prefix a service is served under behind the one origin (issue 16).

Behind the reverse proxy every service has a prefix (`/roster`, `/directive`, `/stories`,
`/publisher`, see `deploy/nginx/`); the proxy strips it and names it in `X-Forwarded-Prefix`.
Pages and their scripts build every URL from `prefix()` (empty on the service's own port, where
tests open them), so a console works under both.

The prefix is deliberately not put into the ASGI `root_path`: Starlette would then strip it from
paths that begin with it, and the roster's own `/roster` page, reached through the proxy as
`/roster/roster`, arrives as `/roster` with a prefix `/roster`.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = b"x-forwarded-prefix"
# One or more path segments of plain characters, no trailing slash: anything else (a scheme, a
# `..`, quotes) is ignored, so the header can never put markup or another host into a page.
_VALID = re.compile(r"^(/[A-Za-z0-9_-]{1,40}){1,4}$")

_prefix: ContextVar[str] = ContextVar("nazar_forwarded_prefix", default="")


def prefix() -> str:
    """The current request's prefix ("" outside a request or without the proxy)."""
    return _prefix.get()


def parse(value: str | None) -> str:
    """`value` if it is a valid prefix (trailing slashes dropped), else ""."""
    if not value:
        return ""
    value = value.rstrip("/")
    return value if _VALID.match(value) else ""


class ForwardedPrefixMiddleware:
    """Sets `prefix()` for the request from `X-Forwarded-Prefix`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope.get("headers", ()) if k == HEADER), b"")
        token = _prefix.set(parse(raw.decode("latin-1")))
        try:
            await self.app(scope, receive, send)
        finally:
            _prefix.reset(token)
