"""The publisher's names in events: its CloudEvents source, derived event ids, and the opaque
reference it puts in events instead of a provider's message id."""

from __future__ import annotations

import hashlib
import uuid

SOURCE = "/nazar/social-publisher"

_NS = uuid.UUID("6c1f0a52-4d5e-4b8e-9a55-2f1b8a0c0b7e")


def event_id(*parts: str) -> str:
    """Deterministic CloudEvent id: a replayed receipt keeps its id, so consumers drop it."""
    return str(uuid.uuid5(_NS, "|".join(parts)))


def provider_ref(channel: str, provider_message_id: str) -> str:
    """The opaque reference events carry instead of the provider's id: a WhatsApp `wamid`
    embeds the recipient's number, and numbers stay off every topic but the roster's contacts."""
    digest = hashlib.sha256(provider_message_id.encode()).hexdigest()[:40]
    return f"{'wa' if channel == 'whatsapp' else 'sms'}-{digest}"
