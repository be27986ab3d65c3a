"""Request and response schemas of story-intake's API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from story_intake.domain.redact import MARK_EN, MARK_HI
from story_intake.domain.rules import RULES, Finding, GateResult

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
