"""Request and response bodies of /erasures (issue 20 item 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from nazar_contracts.erasures import ReadModel
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ErasureRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason = Field(description="why the member's data must go (e.g. their written request)")


class ErasureDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class Confirmation(BaseModel):
    read_model: ReadModel
    confirmed_at: datetime | None = Field(description="null until the read model confirms")


class ErasureRequest(BaseModel):
    request_id: str
    member_id: str
    member_name_hi: str = Field(description="empty once erased")
    member_name_latin: str = Field(description="empty once erased")
    reason: str
    status: Literal["requested", "approved", "rejected"]
    requested_by: str
    requested_by_name: str
    requested_at: datetime
    decided_by: str | None
    decided_by_name: str | None
    decided_at: datetime | None
    decision_note: str | None
    erased_at: datetime | None
    confirmations: list[Confirmation] = Field(
        description="per read model (directive, social-publisher, story-intake), once erased"
    )
    complete: bool = Field(description="erased and every read model confirmed")
