"""Event payloads the publisher reads and writes, and its HTTP answers.

The dispatch and contact events follow the shapes agreed for `nazar_contracts` (Foundation 2);
they are declared here until that package ships them, with the same field names and types.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SOURCE = "/nazar/social-publisher"

DISPATCH_REQUESTED = "nazar.dispatch.requested.v1"
DISPATCH_SENT = "nazar.dispatch.sent.v1"
DISPATCH_DELIVERED = "nazar.dispatch.delivered.v1"
DISPATCH_READ = "nazar.dispatch.read.v1"
DISPATCH_FAILED = "nazar.dispatch.failed.v1"
DISPATCH_REPLIED = "nazar.dispatch.replied.v1"
DISPATCH_OPTED_OUT = "nazar.dispatch.opted_out.v1"
CONTACT_UPSERTED = "nazar.contact.upserted.v1"
CONTACT_ERASED = "nazar.contact.erased.v1"

RECEIPT_TYPES = {
    "sent": DISPATCH_SENT,
    "delivered": DISPATCH_DELIVERED,
    "read": DISPATCH_READ,
    "failed": DISPATCH_FAILED,
}

_NS = uuid.UUID("6c1f0a52-4d5e-4b8e-9a55-2f1b8a0c0b7e")


def event_id(*parts: str) -> str:
    """Deterministic CloudEvent id: a replayed receipt keeps its id, so consumers drop it."""
    return str(uuid.uuid5(_NS, "|".join(parts)))


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DispatchRequested(_Model):
    delivery_id: str
    message_id: str
    member_id: str
    priority: Literal["flash", "routine"] = "routine"
    purpose: str = "directive"
    directive_id: str | None = None
    language: str = "hi"
    title: str
    body: str
    ack_requested: bool = True
    reply_code: str | None = None
    inbox_url: str
    expires_at: datetime | None = None
    requested_at: datetime


class ContactUpserted(_Model):
    member_id: str
    whatsapp: str | None = None
    sms: str | None = None
    preferred_language: str = "hi"
    active: bool = True
    messaging_allowed: bool = True
    consent_state: str = "not_required"
    synthetic: bool = False
    version: int = 0
    updated_at: datetime


class ReceiptError(_Model):
    code: str
    title: str
    detail: str = ""
    retryable: bool = False


class DispatchReceipt(_Model):
    delivery_id: str
    message_id: str
    member_id: str
    channel: Literal["whatsapp", "sms"] | None
    provider_message_id: str | None = None
    at: datetime
    error: ReceiptError | None = None
    possible_duplicate: bool = False
    fallback_from: str | None = None


class DispatchReplied(_Model):
    reply_id: str
    member_id: str
    channel: Literal["whatsapp", "sms"]
    kind: Literal["button", "text"]
    text: str | None = None
    button_payload: str | None = None
    in_reply_to_delivery_id: str | None = None
    provider_message_id: str
    received_at: datetime


class DispatchOptedOut(_Model):
    reply_id: str
    member_id: str
    channel: Literal["whatsapp", "sms"]
    text: str | None = None
    provider_message_id: str
    received_at: datetime


# --- HTTP ------------------------------------------------------------------------------------


class SenderRate(_Model):
    sender: str
    cap: int = Field(description="configured messages/s")
    limit: float = Field(description="current messages/s limit (lowered after 130429)")
    sent_last_window: int


class Quota(_Model):
    limit: int
    used: int
    warning: bool


class Channel(_Model):
    channel: Literal["whatsapp", "sms"]
    state: Literal["up", "down", "paused"]
    reason: str | None = None
    rates: list[SenderRate]


class ChannelsReport(_Model):
    channels: list[Channel]
    queue_depth: dict[str, int] = Field(description="deliveries waiting in Kafka, per priority")
    in_memory: dict[str, int] = Field(description="deliveries admitted, waiting to be sent")
    quota: Quota
