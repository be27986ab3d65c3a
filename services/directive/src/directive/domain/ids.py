"""Identities that make deduplication possible (ARCHITECTURE: "Identities")."""

from __future__ import annotations

import hashlib
import uuid
from uuid import UUID

from nazar_contracts.ids import DELIVERY_NAMESPACE

# Reply codes avoid letters and digits people confuse (0/O, 1/I/L) on a feature phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5


def delivery_id(message_id: UUID, member_id: str) -> UUID:
    """One message to one member: the same pair always gives the same id. This is the contract's
    `nazar_contracts.ids.delivery_id` without its text round trips (the fan-out computes hundreds
    of thousands); a unit test holds the two equal."""
    return uuid.uuid5(DELIVERY_NAMESPACE, f"{message_id}:{member_id}")


def reply_code(message_id: UUID) -> str:
    """A short code a member can text back to acknowledge a message (the SMS path)."""
    number = int.from_bytes(hashlib.sha256(message_id.bytes).digest()[:8], "big")
    out = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        out.append(_CODE_ALPHABET[digit])
    return "".join(out)
