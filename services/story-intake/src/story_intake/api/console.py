"""The moderation console (issue 13, item 8): pages in Hindi and English for the reviewers of
the chain — the CO of a circle, the SP of a district, the PHQ social media cell.

Server-rendered frames in the platform's shared console (`nazar_ui`: the same
look, session, sign-in and Content-Security-Policy as the directive console); a little vanilla
JavaScript calls this service's `/api/v1` with the bearer token, sends `Accept-Language`, and
shows problem documents in the page's language. `/console` is my queue (the levels the caller
reviews at, oldest first, with age and who claimed what); `/console/stories/{id}` a story with
its text, photos, history and notes, the gate's findings, and the decisions. In `local` and
`test` environments `/console/sign-in` picks a member of this service's read model of the roster.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from nazar_contracts.stories import ReviewLevel
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import Action
from nazar_platform.http.forwarded import prefix
from nazar_platform.runtime.context import runtime_of
from nazar_ui import ConsolePages

from story_intake.api.console_texts import labels
from story_intake.domain.chain import PHQ_REVIEWERS
from story_intake.domain.rules import RULES
from story_intake.settings import StoryIntakeSettings

STATIC = Path(__file__).parent.parent / "static" / "console"
PAGES = ConsolePages(
    "story_intake",
    labels,
    may={
        "moderate": Action.STORY_MODERATE,
        "edit": Action.STORY_EDIT,
        "approve": Action.STORY_APPROVE,
    },
)
# The level each reviewing role works at (`domain.chain.reviews_at`): the queue page offers these.
LEVEL_OF = {
    str(Role.CO): str(ReviewLevel.CIRCLE),
    str(Role.SP): str(ReviewLevel.DISTRICT),
    **{str(role): str(ReviewLevel.PHQ) for role in PHQ_REVIEWERS},
}
Lang = Annotated[str | None, Query()]


def _reach_base(request: Request) -> str | None:
    settings: StoryIntakeSettings = runtime_of(request).settings  # type: ignore[assignment]
    url = settings.directive_console_url
    return url.rstrip("/") if url else None


def install(app: FastAPI) -> None:
    PAGES.install(app)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/console", include_in_schema=False)
    async def queue_page(lang: Lang = None) -> HTMLResponse:
        return PAGES.render("queue.html", lang, "queue", level_of=LEVEL_OF)

    @app.get("/console/sign-in", include_in_schema=False, response_model=None)
    async def sign_in_page(lang: Lang = None) -> HTMLResponse:
        return PAGES.sign_in(lang)

    @app.get("/console/stories/{story_id}", include_in_schema=False)
    async def story_page(story_id: uuid.UUID, request: Request, lang: Lang = None) -> HTMLResponse:
        return PAGES.render(
            "story.html",
            lang,
            "story",
            story_id=str(story_id),
            level_of=LEVEL_OF,
            reach_base=_reach_base(request),
            rule_verdicts={name: str(rule.verdict) for name, rule in RULES.items()},
        )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{prefix()}/console")
