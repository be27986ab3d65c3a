"""What the sender reports of its channels (`/api/v1/channels`): a snapshot, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SenderRate:
    sender: str
    cap: int
    limit: float
    sent_last_window: int


@dataclass(frozen=True, slots=True)
class ChannelReport:
    channel: str
    state: str
    reason: str | None
    rates: list[SenderRate]


@dataclass(frozen=True, slots=True)
class ChannelsReport:
    channels: list[ChannelReport]
    queue_depth: dict[str, int]
    in_memory: dict[str, int]
    quota_limit: int
    quota_used: int
    quota_warning: bool
