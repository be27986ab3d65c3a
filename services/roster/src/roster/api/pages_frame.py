"""The roster office's pages in the consoles' frame: every page of every area (`pages`,
`pages_<area>`) renders through `frame`, so that each has the same sign-in, auth and home links
under any prefix."""

from __future__ import annotations

from fastapi.responses import HTMLResponse
from nazar_platform.http.forwarded import prefix
from nazar_ui import ConsolePages

from roster.settings import RosterSettings


def frame(
    pages: ConsolePages, settings: RosterSettings, lang: str, template: str, name: str, next: str,
    **data: object,
) -> HTMLResponse:  # fmt: skip
    base = prefix()
    return pages.render(
        template,
        lang,
        name,
        next=next,
        # The roster's own: these pages and the auth API are one origin under any prefix.
        sign_in_url=f"{base}/sign-in",
        auth_url=f"{base}/api/v1/auth",
        home=f"{base}/roster?lang={lang}",
        dev_sign_in=settings.dev_sign_in,
        **data,
    )
