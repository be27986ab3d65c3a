"""/gate/check and /gate/redact: the lawful-publishing gate for the consoles and other systems.

Authenticated (`gate.check` / `gate.redact`), rate limited and audited by the platform; the
audit row names the caller and the outcome, never the text.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from nazar_platform.auth.access import Action
from nazar_platform.auth.tokens import Principal
from nazar_platform.http.access import require
from nazar_platform.http.problems import ProblemError
from pydantic import BaseModel, Field

from story_intake.api.problems import TEXT_TOO_LONG
from story_intake.domain.redact import MARK_EN, MARK_HI
from story_intake.domain.rules import RULES, Finding, GateResult
from story_intake.handlers import gate as gate_handlers
from story_intake.settings import StoryIntakeSettings

router = APIRouter(tags=["gate"])
Checker = Annotated[Principal, Depends(require(Action.GATE_CHECK))]
Redactor = Annotated[Principal, Depends(require(Action.GATE_REDACT))]
RuleName = Literal[tuple(RULES)]  # type: ignore[valid-type]


class Why(BaseModel):
    en: str
    hi: str


class FindingOut(BaseModel):
    rule: str
    start: int = Field(description="Index of the finding's first character in the text sent")
    end: int = Field(description="Index just after its last character")
    text: str
    why: Why

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls.model_validate(finding.as_dict())


class GateOut(BaseModel):
    verdict: Literal["block", "review", "pass"]
    findings: list[FindingOut]
    sexual_offence: bool
    child_involved: bool

    @classmethod
    def of(cls, result: GateResult) -> GateOut:
        return cls(
            verdict=result.verdict.value,
            findings=[FindingOut.of(f) for f in result.findings],
            sexual_offence=result.sexual_offence,
            child_involved=result.child_involved,
        )


class CheckIn(BaseModel):
    text: str


class RedactIn(BaseModel):
    text: str
    rules: list[RuleName] | None = Field(  # type: ignore[valid-type]
        default=None, description="Redact the findings of these rules"
    )
    findings: list[Annotated[int, Field(ge=0, le=10_000)]] | None = Field(
        default=None,
        description="Redact these findings: indexes into the findings /gate/check answers for "
        "the same text (wins over `rules`). Neither: every `block` finding.",
    )
    language: Literal["hi", "en"] | None = Field(
        default=None,
        description=f"The marker: hi {MARK_HI!r}, en {MARK_EN!r}; by default the text's language",
    )


class RedactOut(BaseModel):
    text: str
    redacted: list[FindingOut] = Field(description="The findings replaced, on the text sent")
    gate: GateOut = Field(description="The gate's verdict on the new text")


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
