"""The receipt state of one delivery: it only moves forward.

    (none) -> sent -> delivered -> read          failed is terminal

WhatsApp may report `read` before `delivered`, or never report `read` (read receipts off), or
repeat a status (webhooks are redelivered for days). A status that does not move the state
forward is dropped, so the directive service sees each state at most once and never backwards;
a skipped state is implied by a later one (`read` implies `delivered`).

A `failed` after `delivered` or `read` is dropped (the member has the message). A WhatsApp
failure that triggers a fallback (131026 -> SMS, 131047 -> template) is not published: the
delivery is still under way, and its next receipt says how it went, with `fallback_from` set.
So `failed` is published once, when no way to reach the member is left.
"""

from __future__ import annotations

from enum import StrEnum


class Receipt(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


_RANK = {None: 0, Receipt.SENT: 1, Receipt.DELIVERED: 2, Receipt.READ: 3}


def parse(value: str | None) -> Receipt | None:
    return None if value is None else Receipt(value)


def advances(current: Receipt | None, incoming: Receipt) -> bool:
    """True when `incoming` moves the delivery's receipt state forward (and is published)."""
    if current is Receipt.FAILED:
        return False
    if incoming is Receipt.FAILED:
        return current in (None, Receipt.SENT)
    return _RANK[incoming] > _RANK[current]


def after(current: Receipt | None, incoming: Receipt) -> Receipt | None:
    return incoming if advances(current, incoming) else current
