"""directive.events.v1: a directive's life, keyed by directive id so its events stay in order.

A *message* is one thing said to an audience (the directive's text, each update, a cancellation,
a relay, a CO's note, an escalation notice); every event that says something carries the
`message_id` its deliveries derive from (`nazar_contracts.ids.delivery_id`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from nazar_contracts.base import (
    BilingualText,
    DeliveryId,
    Id,
    NazarModel,
    Ratio,
    Text,
    UnitId,
    UtcDatetime,
)
from nazar_contracts.ids import delivery_id
from nazar_contracts.vocabulary import Role

Seconds = Annotated[int, Field(gt=0)]


class DirectiveKind(StrEnum):
    DIRECTIVE = "directive"
    CAMPAIGN = "campaign"  # an online campaign passed on through the groups


class Priority(StrEnum):
    FLASH = "flash"  # sent first, on its own delivery topic
    URGENT = "urgent"
    ROUTINE = "routine"


class AudienceScope(StrEnum):
    STATE = "state"
    UNITS = "units"


class RelayMode(StrEnum):
    MANUAL = "manual"  # each SP relays, with a note; automatic after relay_deadline
    AUTOMATIC = "automatic"  # relayed to every circle at once


class Audience(NazarModel):
    scope: AudienceScope
    unit_ids: list[UnitId] = Field(description="the targeted units; empty for scope=state")
    roles: list[Role] | None = Field(default=None, description="only these roles; None for all")

    @model_validator(mode="after")
    def _units_fit_scope(self) -> Self:
        if (self.scope is AudienceScope.UNITS) != bool(self.unit_ids):
            raise ValueError("unit_ids are given exactly when scope is 'units'")
        if self.roles is not None and not self.roles:
            raise ValueError("roles is None (everyone) or lists at least one role")
        return self


class Attachment(NazarModel):
    attachment_id: Id
    filename: Text
    media_type: str = Field(pattern=r"^[a-z]+/[A-Za-z0-9.+-]+$")
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class DirectiveIssued(NazarModel):
    """ADG Crime (or the Home Department) issued a directive or campaign to its audience."""

    directive_id: Id
    message_id: Id
    kind: DirectiveKind
    priority: Priority
    title: BilingualText
    body: BilingualText
    audience: Audience
    ack_required: bool
    relay_mode: RelayMode
    relay_deadline: UtcDatetime | None = Field(
        description="manual relays not done by then are relayed automatically (and escalated)"
    )
    ack_window_seconds: Seconds | None = Field(description="how long members have to ack")
    ack_threshold: Ratio = Field(
        default=0.8, description="share of a circle that must ack before it counts as reached"
    )
    expires_at: UtcDatetime | None
    attachments: list[Attachment] = Field(default_factory=list)
    issued_by: Id = Field(description="member id")
    issued_by_role: Role
    issued_at: UtcDatetime


class DirectiveUpdated(NazarModel):
    """The directive's text changed; members who had it receive the update as a new message."""

    directive_id: Id
    message_id: Id
    title: BilingualText
    body: BilingualText
    changed_by: Id
    at: UtcDatetime


class DirectiveCancelled(NazarModel):
    """The directive was withdrawn; members who had it are told (a new message)."""

    directive_id: Id
    message_id: Id
    reason: BilingualText | None
    cancelled_by: Id
    at: UtcDatetime


class DirectiveRelayed(NazarModel):
    """An SP (or the deadline) passed the directive on to circles of one district."""

    directive_id: Id
    relay_id: Id
    message_id: Id = Field(description="the message the circles' members receive")
    district_id: UnitId
    circle_ids: list[UnitId] = Field(min_length=1)
    note: BilingualText | None = Field(description="the SP's local instruction, if any")
    relayed_by: Id | None = Field(description="the SP's member id; None when automatic")
    automatic: bool
    at: UtcDatetime

    @model_validator(mode="after")
    def _who(self) -> Self:
        if not self.automatic and self.relayed_by is None:
            raise ValueError("a manual relay names relayed_by")
        return self


class DirectiveNoted(NazarModel):
    """A Circle Officer added a local note for the circle."""

    directive_id: Id
    note_id: Id
    message_id: Id
    circle_id: UnitId
    text: BilingualText
    noted_by: Id
    at: UtcDatetime


class EscalationReason(StrEnum):
    SP_NOT_RELAYED = "sp_not_relayed"
    CIRCLE_BELOW_THRESHOLD = "circle_below_threshold"


class DirectiveEscalated(NazarModel):
    """An SP did not relay in time, or a circle stayed below the ack threshold: told upwards."""

    directive_id: Id
    escalation_id: Id
    message_id: Id = Field(description="the escalation notice sent to escalated_to")
    reason: EscalationReason
    level: Literal[1, 2] = Field(description="1: one level up (CO → SP, SP → IG); 2: two levels")
    unit_id: UnitId = Field(description="the district that did not relay, or the silent circle")
    escalated_to: list[Id] = Field(min_length=1)
    observed_ratio: Ratio | None = Field(description="acknowledged share, for a silent circle")
    at: UtcDatetime


class AckVia(StrEnum):
    BUTTON = "button"
    TEXT = "text"
    APP = "app"
    SMS_CODE = "sms_code"
    LINK = "link"


class DirectiveAcknowledged(NazarModel):
    """A member acknowledged one delivery of the directive (button, text, app, SMS code, link)."""

    directive_id: Id
    message_id: Id
    delivery_id: DeliveryId
    member_id: Id
    via: AckVia
    at: UtcDatetime

    @model_validator(mode="after")
    def _delivery_matches(self) -> Self:
        if self.delivery_id != delivery_id(self.message_id, self.member_id):
            raise ValueError("delivery_id must be delivery_id(message_id, member_id)")
        return self


class CloseReason(StrEnum):
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class DirectiveClosed(NazarModel):
    """The directive is over: expired, cancelled or completed. Nothing more is sent for it."""

    directive_id: Id
    reason: CloseReason
    at: UtcDatetime
