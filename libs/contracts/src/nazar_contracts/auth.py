"""auth.codes.v1: one-time sign-in codes, from the roster (the identity provider) to the
social-publisher, which sends them over WhatsApp (an authentication template with a copy-code
button) or SMS (a DLT OTP template) ahead of every other message.

The code never travels in plain text: it is sealed (AES-256-GCM, `nazar_platform.auth.sealed`)
with a key only the roster and the publisher hold, bound to the sign-in id and the member, so a
sealed code cannot be replayed into another sign-in. No phone number either: the publisher
reaches the member through the contact it already has from roster.contacts.v1. Records are kept
one hour (a code lives five minutes).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from nazar_contracts.base import Id, NazarModel, UtcDatetime
from nazar_contracts.vocabulary import Language


class CodeChannel(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"


# base64url without padding of nonce (12 bytes) || ciphertext || tag (16 bytes).
SealedText = Annotated[str, Field(min_length=40, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


class AuthCodeRequested(NazarModel):
    """Send this sign-in code to this member, now; worthless after `expires_at`."""

    sign_in_id: Id = Field(description="the sign-in attempt; the record key")
    member_id: Id
    channel: CodeChannel = Field(description="the channel the roster chose from the contact")
    sealed_code: SealedText = Field(
        description="the code sealed for the publisher; associated data `sign_in_id:member_id`"
    )
    key_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="which of the shared code keys sealed it (keys rotate)"
    )
    language: Language = Field(description="the member's language, for the template")
    requested_at: UtcDatetime
    expires_at: UtcDatetime
