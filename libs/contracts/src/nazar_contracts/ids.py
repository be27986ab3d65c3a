"""Deterministic delivery ids.

A delivery is one message to one member. Its id is a name-based UUID (RFC 9562 version 5, SHA-1)
in the fixed Nazar delivery namespace over the UTF-8 text ``"{message_id}:{member_id}"``, so a
replay or a second fan-out of the same message produces the same id, and any consumer (or
integrator) can drop a repeat or compute the id itself::

    uuid.uuid5(uuid.UUID("a4d5f0a6-2c9b-5d4e-9f3a-6e1b7c8d9e01"), f"{message_id}:{member_id}")

Neither id may contain ':' (the `Id` type forbids it), so the name is unambiguous.
"""

from __future__ import annotations

import uuid

# Fixed forever: changing it changes every delivery id and breaks deduplication across a deploy.
DELIVERY_NAMESPACE = uuid.UUID("a4d5f0a6-2c9b-5d4e-9f3a-6e1b7c8d9e01")


def delivery_id(message_id: str, member_id: str) -> str:
    """The id of the delivery of `message_id` to `member_id` (lower-case canonical UUID text)."""
    if ":" in message_id or ":" in member_id:
        raise ValueError("message and member ids must not contain ':'")
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{message_id}:{member_id}"))
