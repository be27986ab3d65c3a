"""/gate/check and /gate/redact: the lawful-publishing gate for the consoles and other systems.

Authenticated (`gate.check` / `gate.redact`), rate limited and audited by the platform; the
audit row names the caller and the outcome, never the text.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.problems import ProblemError

from story_intake.api.problems import TEXT_TOO_LONG
from story_intake.api.schemas import CheckIn, FindingOut, GateOut, RedactIn, RedactOut
from story_intake.domain.redact import MARK_EN, MARK_HI
from story_intake.handlers import gate as gate_handlers
from story_intake.settings import StoryIntakeSettings

router = APIRouter(tags=["gate"])
Checker = Annotated[Principal, Depends(require(Action.GATE_CHECK))]
Redactor = Annotated[Principal, Depends(require(Action.GATE_REDACT))]


def _checked_length(request: Request, text: str) -> None:
    settings: StoryIntakeSettings = request.app.state.runtime.settings
    if len(text) > settings.gate_max_text_chars:
        raise ProblemError(
            422, TEXT_TOO_LONG, detail_params={"limit": settings.gate_max_text_chars}
        )


# Plain functions: FastAPI runs them in its thread pool, so a long text's few milliseconds of
# matching never hold up the event loop.
@router.post("/gate/check", summary="The gate's verdict and findings on a text")
def check(body: CheckIn, request: Request, _: Checker) -> GateOut:
    _checked_length(request, body.text)
    return GateOut.of(gate_handlers.check(body.text))


@router.post("/gate/redact", summary="Replace chosen findings, and gate the new text again")
def redact(body: RedactIn, request: Request, _: Redactor) -> RedactOut:
    _checked_length(request, body.text)
    marker = {"hi": MARK_HI, "en": MARK_EN}.get(body.language or "")
    done = gate_handlers.redact_text(
        body.text,
        rules=set(body.rules) if body.rules is not None else None,
        indexes=set(body.findings) if body.findings is not None else None,
        marker=marker,
    )
    return RedactOut(
        text=done.text,
        redacted=[FindingOut.of(f) for f in done.redacted],
        gate=GateOut.of(done.result),
    )
