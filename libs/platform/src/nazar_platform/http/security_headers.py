"""The headers that tell a browser what it may do with a Nazar response, on every response of
every service (`create_app` installs the middleware outermost, so that what other middleware
answers by itself — a 413, the last-resort 500 — carries them too).

* Every response: `X-Content-Type-Options: nosniff` (a browser never second-guesses the
  Content-Type: an attachment, a CSV export or a problem document is never run as a page or a
  script), `Referrer-Policy: no-referrer` (an inbox link carries its credential in the path, and a
  page must not hand it to the next site) and `X-Frame-Options: DENY` (nothing is ever framed;
  `frame-ancestors` says the same to current browsers).
* HTML responses: `Content-Security-Policy: PAGE_POLICY`. Scripts, styles, images and fetches
  come from the service itself, never inline: pages link their CSS and JS from static files and
  carry their data in `<script type="application/json" id="page-data">{{ data | tojson }}</script>`
  (not executed; Jinja's `tojson` escapes `<`, `>`, `&` and `'`, so no text can close the element).
  A page that needs another policy sets the header itself and keeps it (the API docs page:
  `nazar_platform.http.api_docs`).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HEADER = "Content-Security-Policy"


def policy(**directives: str) -> str:
    """`policy(script_src="'self'")` → `script-src 'self'` (directives in the order given)."""
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


PAGE_DIRECTIVES = {
    "default_src": "'self'",
    "script_src": "'self'",
    "style_src": "'self'",
    "img_src": "'self'",
    "connect_src": "'self'",
    "object_src": "'none'",
    "base_uri": "'none'",
    "form_action": "'self'",
    "frame_ancestors": "'none'",
}
PAGE_POLICY = policy(**PAGE_DIRECTIVES)

EVERY_RESPONSE: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_REPLACED = {name for name, _ in EVERY_RESPONSE}


def _is_html(content_type: bytes) -> bool:
    return content_type.split(b";", 1)[0].strip().lower() == b"text/html"


def secured(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` of a response with the headers above (a response's own CSP is kept)."""
    kept = [(name, value) for name, value in headers if name.lower() not in _REPLACED]
    names = {name.lower() for name, _ in kept}
    content_type = next((v for n, v in kept if n.lower() == b"content-type"), b"")
    kept.extend(EVERY_RESPONSE)
    if _is_html(content_type) and CSP_HEADER.lower().encode() not in names:
        kept.append((CSP_HEADER.lower().encode(), PAGE_POLICY.encode()))
    return kept


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured(message.get("headers", ()))}
            await send(message)

        await self.app(scope, receive, send_secured)
