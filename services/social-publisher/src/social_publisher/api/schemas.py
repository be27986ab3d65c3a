"""The publisher's HTTP answers (`/api/v1/channels`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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
