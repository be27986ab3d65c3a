"""The directive console: pages in Hindi and English for issuers, SPs, COs and everyone who
watches reach (issue 6, item 9).

The server renders each page's frame and words; a little vanilla JavaScript (no build step, no
CDN) calls the same `/api/v1` as every integrator with the bearer token kept in the tab's
sessionStorage, sends `Accept-Language`, and shows problem documents in the page's language.
Reach updates live from `/api/v1/directives/{id}/reach/stream`, read with `fetch` (an
`EventSource` cannot send the Authorization header, and a token in a URL ends up in logs).
The frame, the style sheet, `common.js` and the sign-in page are the platform's shared console
(`nazar_ui`). In `local` and `test` environments `/console/sign-in` picks a
member from this service's read model of the roster (`/api/v1/dev/members`, `/api/v1/dev/tokens`);
elsewhere it does not exist.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from nazar_platform.auth.access import Action
from nazar_platform.http.forwarded import prefix
from nazar_ui import ConsolePages

from directive.api.console_texts import labels

STATIC = Path(__file__).parent.parent / "static" / "console"
PAGES = ConsolePages(
    "directive",
    labels,
    may={
        "issue": Action.DIRECTIVE_ISSUE,
        "relay": Action.DIRECTIVE_RELAY,
        "note": Action.DIRECTIVE_NOTE,
        "alerts": Action.ALERT_RECEIVE,
    },
)
render = PAGES.render


def install(app: FastAPI) -> None:
    PAGES.install(app)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/console", include_in_schema=False)
    async def directives_page(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        return render("list.html", lang, "list")

    @app.get("/console/sign-in", include_in_schema=False, response_model=None)
    async def sign_in_page(
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        return PAGES.sign_in(lang)

    @app.get("/console/new", include_in_schema=False)
    async def issue_page(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        return render("new.html", lang, "new")

    @app.get("/console/directives/{directive_id}", include_in_schema=False)
    async def directive_page(
        directive_id: uuid.UUID, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        return render("directive.html", lang, "directive", directive_id=str(directive_id))

    @app.get("/console/directives/{directive_id}/campaign", include_in_schema=False)
    async def campaign_page(
        directive_id: uuid.UUID, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        return render("campaign.html", lang, "campaign", directive_id=str(directive_id))

    @app.get("/console/alerts", include_in_schema=False)
    async def alert_board_page(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        return render("alerts.html", lang, "alerts")

    # The story page of story-intake links here for a story's circulation.
    @app.get("/console/stories/{story_id}", include_in_schema=False)
    async def story_page(
        story_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")],
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        return render("story.html", lang, "story", story_id=story_id)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{prefix()}/console")
