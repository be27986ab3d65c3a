"""dispatch.*: one message to one member, the provider's receipts for it, and members' replies.

Nothing here carries a phone number: the social-publisher looks numbers up by member id from
roster.contacts.v1.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from nazar_contracts.base import DeliveryId, Id, NazarModel, Text, UtcDatetime
from nazar_contracts.directives import Priority
from nazar_contracts.ids import delivery_id
from nazar_contracts.vocabulary import Language

# WhatsApp's own message ids ("wamid.…") embed the recipient's number in base64, so the
# publisher puts its own opaque reference to the provider message here, never the raw wamid.
ProviderRef = Annotated[
    str,
    Field(min_length=1, max_length=128, description="opaque reference to the provider message"),
]


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"


class Purpose(StrEnum):
    DIRECTIVE = "directive"
    UPDATE = "update"
    CANCELLATION = "cancellation"
    RELAY_NOTE = "relay_note"
    CO_NOTE = "co_note"
    ESCALATION = "escalation"
    ALERT = "alert"
    STORY = "story"
    ACCOUNT_NOTICE = "account_notice"  # the PHQ social media cell told an official account stopped


class _Addressed(NazarModel):
    """Fields that name one delivery; its id must be the derived one, or dedup would break."""

    delivery_id: DeliveryId
    message_id: Id
    member_id: Id

    @model_validator(mode="after")
    def _delivery_id_is_derived(self) -> Self:
        if self.delivery_id != delivery_id(self.message_id, self.member_id):
            raise ValueError("delivery_id must be delivery_id(message_id, member_id)")
        return self


class OriginKind(StrEnum):
    DIRECTIVE = "directive"
    STORY = "story"
    ALERT = "alert"
    ACCOUNT = "account"  # an official social media account (publish.results.v1's account id)


class Origin(NazarModel):
    """What a message belongs to: a directive, a field story (its circulation, or a notice to
    its author), an alert, or an official account (a notice that it stopped), by that
    aggregate's id."""

    kind: OriginKind
    id: Id


ReplyCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{4,8}$")]
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=2048)]


class DispatchRequested(_Addressed):
    """Send one message to one member. Flash priority goes to dispatch.deliveries.flash.v1."""

    priority: Priority
    purpose: Purpose
    directive_id: Id | None = Field(
        default=None, description="the directive this message belongs to, if any"
    )
    origin: Origin | None = Field(
        default=None,
        description="what the message belongs to (directive_id repeats a directive's id); "
        "None in older records",
    )
    language: Language = Field(description="the language title and body are written in")
    title: Text = Field(max_length=200, description="short title")
    body: Text = Field(description="full text; the publisher shortens it for templates")
    ack_requested: bool
    reply_code: ReplyCode | None = Field(
        description="short code a member sends by SMS to acknowledge"
    )
    inbox_url: HttpsUrl | None = Field(
        description="signed link to this one delivery in the member's inbox"
    )
    expires_at: UtcDatetime | None = Field(description="not worth sending after this instant")
    requested_at: UtcDatetime


class _Receipt(_Addressed):
    """What every receipt says of its delivery; `possible_duplicate` and `fallback_from` are
    decided on `sent` and carried on every later receipt, so that no reader has to join them."""

    channel: Channel
    possible_duplicate: bool = Field(
        default=False, description="a retry after an unclear failure: the member may get it twice"
    )
    fallback_from: Channel | None = Field(
        default=None, description="the channel that failed before this one"
    )


class DispatchSent(_Receipt):
    """The provider accepted the message for the member."""

    provider_message_id: ProviderRef
    at: UtcDatetime = Field(description="provider time")


class DispatchDelivered(_Receipt):
    """The provider reports the message delivered to the member's phone."""

    provider_message_id: ProviderRef
    at: UtcDatetime = Field(description="provider time")


class DispatchRead(_Receipt):
    """The provider reports the message read (WhatsApp read receipts)."""

    provider_message_id: ProviderRef
    at: UtcDatetime = Field(description="provider time")


class ProviderError(NazarModel):
    """What the provider said went wrong (no phone numbers: the publisher strips them)."""

    code: Text = Field(description="the provider's error code, e.g. WhatsApp's 131026")
    title: Text
    detail: str | None
    retryable: bool


class DispatchFailed(_Receipt):
    """Sending failed on this channel; `error.retryable` says whether trying again may help."""

    provider_message_id: ProviderRef | None = Field(
        description="None when the provider never took it"
    )
    at: UtcDatetime = Field(description="provider time")
    error: ProviderError


class ReplyKind(StrEnum):
    BUTTON = "button"
    TEXT = "text"


class DispatchReplied(NazarModel):
    """A member replied (a button or text); the directive service decides what it acknowledges."""

    reply_id: Id
    member_id: Id
    channel: Channel
    kind: ReplyKind
    text: str | None = Field(description="the reply's text, or the button's label")
    button_payload: str | None = Field(description="the payload of the button pressed")
    in_reply_to_delivery_id: DeliveryId | None = Field(
        default=None, description="the delivery replied to, when the provider says"
    )
    provider_message_id: ProviderRef
    received_at: UtcDatetime

    @model_validator(mode="after")
    def _content(self) -> Self:
        if self.kind is ReplyKind.BUTTON and self.button_payload is None:
            raise ValueError("a button reply carries its button_payload")
        if self.kind is ReplyKind.TEXT and self.text is None:
            raise ValueError("a text reply carries its text")
        return self


class DispatchOptedOut(NazarModel):
    """The member asked to stop ("STOP", "बंद"); the roster withdraws consent."""

    reply_id: Id
    member_id: Id
    channel: Channel
    keyword: Text
    received_at: UtcDatetime
