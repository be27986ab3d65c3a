"""roster.contacts.v1: the one topic with phone numbers, read by the social-publisher only."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from nazar_contracts.base import E164, Id, NazarModel, UtcDatetime, Version
from nazar_contracts.members import MESSAGING_CONSENT, ConsentState
from nazar_contracts.vocabulary import Language


class PushContact(NazarModel):
    """One browser the member allowed notifications in: its `PushSubscription` (RFC 8030 push
    resource, RFC 8291 keys). Personal data like a number: only ever on this topic."""

    endpoint: str = Field(min_length=12, max_length=2048, pattern=r"^https?://")
    p256dh: str = Field(min_length=80, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    auth: str = Field(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    since: UtcDatetime


class ContactUpserted(NazarModel):
    """How to reach one member, with the flags the publisher needs to decide whether it may."""

    member_id: Id
    whatsapp: E164 | None = Field(description="WhatsApp number, E.164")
    sms: E164 | None = Field(description="SMS number, E.164")
    preferred_language: Language
    active: bool
    messaging_allowed: bool = Field(description="active and consent granted or not required")
    consent_state: ConsentState
    synthetic: bool = Field(description="never send to a real provider")
    # Added without a new version: readers ignore fields they do not know, and a member without
    # subscriptions carries no `push` at all.
    push: list[PushContact] = Field(
        default_factory=list, max_length=10, description="Web Push subscriptions, oldest first"
    )
    version: Version
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _allowed_only_when_permitted(self) -> Self:
        if self.messaging_allowed and not (self.active and self.consent_state in MESSAGING_CONSENT):
            raise ValueError("messaging_allowed needs an active member whose consent permits it")
        return self
