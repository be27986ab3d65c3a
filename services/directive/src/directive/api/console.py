"""The directive console: pages in Hindi and English for issuers, SPs, COs and everyone who
watches reach (issue 6, item 9).

The server renders each page's frame and words; a little vanilla JavaScript (no build step, no
CDN) calls the same `/api/v1` as every integrator with the bearer token kept in the tab's
sessionStorage, sends `Accept-Language`, and shows problem documents in the page's language.
Reach updates live from `/api/v1/directives/{id}/reach/stream`, read with `fetch` (an
`EventSource` cannot send the Authorization header, and a token in a URL ends up in logs).
In `local` and `test` environments `/console/sign-in` picks a member from this service's read
model of the roster (`/api/v1/dev/members`, `/api/v1/dev/tokens`); elsewhere it does not exist.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from nazar_platform.auth.access import ACCESS, Action
from nazar_platform.auth.tokens import AuthSettings
from nazar_platform.http.dev_signin import dev_signin_enabled

from directive.api.console_texts import labels
from directive.api.dev import SENIORITY

STATIC = Path(__file__).parent.parent / "static" / "console"
LANGUAGES = (("hi", "हिंदी"), ("en", "English"))
OFFICERS = [r for r in SENIORITY[: SENIORITY.index("sho") + 1]]

_env = Environment(
    loader=PackageLoader("directive", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# `{{ data | tojson }}` escapes <, >, & and ' in any case; Hindi stays readable.
_env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}


def _roles_that(action: Action) -> list[str]:
    return sorted(str(role) for role, actions in ACCESS.items() if action in actions)


def _lang(lang: str | None) -> str:
    return lang if lang in ("hi", "en") else "hi"


def render(template: str, lang: str | None, page: str, **data: object) -> HTMLResponse:
    language = _lang(lang)
    words = labels(language)
    document = {
        "lang": language,
        "page": page,
        "t": words,
        # Which roles may act, from the access table: the pages offer what the API would allow
        # (the API still decides; a refusal is shown as its problem document).
        "may": {
            "issue": _roles_that(Action.DIRECTIVE_ISSUE),
            "relay": _roles_that(Action.DIRECTIVE_RELAY),
            "note": _roles_that(Action.DIRECTIVE_NOTE),
        },
        "officers": OFFICERS,
        "dev_sign_in": dev_signin_enabled(AuthSettings()),
        **data,
    }
    html = _env.get_template(f"console/{template}").render(
        lang=language,
        t=words,
        page=page,
        languages=LANGUAGES,
        data=document,
    )
    # The pages hold no data until the script fetches it with the caller's token.
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def install(app: FastAPI) -> None:
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/console", include_in_schema=False)
    async def directives_page(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        return render("list.html", lang, "list")

    @app.get("/console/sign-in", include_in_schema=False, response_model=None)
    async def sign_in_page(
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        if not dev_signin_enabled(AuthSettings()):
            return HTMLResponse("Not found", status_code=404)
        return render("sign_in.html", lang, "sign-in")

    @app.get("/console/new", include_in_schema=False)
    async def issue_page(lang: Annotated[str | None, Query()] = None) -> HTMLResponse:
        return render("new.html", lang, "new")

    @app.get("/console/directives/{directive_id}", include_in_schema=False)
    async def directive_page(
        directive_id: uuid.UUID, lang: Annotated[str | None, Query()] = None
    ) -> HTMLResponse:
        return render("directive.html", lang, "directive", directive_id=str(directive_id))

    # The story page of story-intake links here for a story's circulation.
    @app.get("/console/stories/{story_id}", include_in_schema=False)
    async def story_page(
        story_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")],
        lang: Annotated[str | None, Query()] = None,
    ) -> HTMLResponse:
        return render("story.html", lang, "story", story_id=story_id)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/console")
