"""The publisher's HTTP answers, and the event types it reads and writes.

Event payloads are the shared contracts of `nazar_contracts` (dispatch.*, contact.*); the
publisher writes receipts and replies as plain dicts of exactly those shapes (thousands a second),
and its integration tests parse every one of them with the contract models.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SOURCE = "/nazar/social-publisher"

DISPATCH_REQUESTED = "nazar.dispatch.requested.v1"
DISPATCH_REPLIED = "nazar.dispatch.replied.v1"
DISPATCH_OPTED_OUT = "nazar.dispatch.opted_out.v1"
CONTACT_UPSERTED = "nazar.contact.upserted.v1"
CONTACT_ERASED = "nazar.contact.erased.v1"
RECEIPT_TYPES = {
    "sent": "nazar.dispatch.sent.v1",
    "delivered": "nazar.dispatch.delivered.v1",
    "read": "nazar.dispatch.read.v1",
    "failed": "nazar.dispatch.failed.v1",
}

_NS = uuid.UUID("6c1f0a52-4d5e-4b8e-9a55-2f1b8a0c0b7e")


def event_id(*parts: str) -> str:
    """Deterministic CloudEvent id: a replayed receipt keeps its id, so consumers drop it."""
    return str(uuid.uuid5(_NS, "|".join(parts)))


def provider_ref(channel: str, provider_message_id: str) -> str:
    """The opaque reference events carry instead of the provider's id: a WhatsApp `wamid`
    embeds the recipient's number, and numbers stay off every topic but roster.contacts.v1."""
    digest = hashlib.sha256(provider_message_id.encode()).hexdigest()[:40]
    return f"{'wa' if channel == 'whatsapp' else 'sms'}-{digest}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


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
    state: str = Field(description="up | down | paused")
    reason: str | None = None
    rates: list[SenderRate]


class ChannelsReport(_Model):
    channels: list[Channel]
    queue_depth: dict[str, int] = Field(description="deliveries waiting in Kafka, per priority")
    in_memory: dict[str, int] = Field(description="deliveries admitted, waiting to be sent")
    quota: Quota
