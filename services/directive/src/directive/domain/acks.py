"""What a member's reply acknowledges (issue 6, item 5).

In order: a reply that names its delivery (a button press, or a reply quoting the message)
acknowledges that delivery; a text carrying a message's reply code (the SMS path) acknowledges
that message; any other text acknowledges the member's most recent unacknowledged message that
asked for acknowledgement within the last 24 hours. Anything else acknowledges nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

FREE_TEXT_WINDOW = timedelta(hours=24)
_TOKEN = re.compile(r"[A-Za-z0-9]+")


class AckVia(StrEnum):
    """How an acknowledgement came (the values of the contract's `AckVia`)."""

    BUTTON = "button"  # WhatsApp quick-reply button carrying the delivery
    TEXT = "text"  # a text reply: quoting the message, or the free-text rule
    SMS_CODE = "sms_code"  # a text carrying the message's reply code (SMS)
    APP = "app"  # POST /api/v1/directives/{id}/ack from a field app
    LINK = "link"  # the acknowledge button on the signed inbox page


@dataclass(frozen=True, slots=True)
class Reply:
    member_id: str
    received_at: datetime
    text: str | None = None
    in_reply_to_delivery_id: UUID | None = None
    button: bool = False
    event_id: str | None = None  # the reply event's: the cause of what the reply decides


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the member's deliveries, as the rule needs to see it."""

    delivery_id: UUID
    requested_at: datetime
    ack_requested: bool
    acknowledged: bool
    reply_code: str | None = None


@dataclass(frozen=True, slots=True)
class AckDecision:
    delivery_id: UUID
    via: AckVia


def reply_codes_in(text: str | None) -> set[str]:
    return {t.upper() for t in _TOKEN.findall(text or "")}


def resolve(reply: Reply, candidates: Iterable[Candidate]) -> AckDecision | None:
    mine = list(candidates)
    if reply.in_reply_to_delivery_id is not None:
        # A reply about a delivery that is not this member's (or not ours) acknowledges nothing;
        # falling back to the free-text rule would credit the wrong message.
        for c in mine:
            if c.delivery_id == reply.in_reply_to_delivery_id:
                return AckDecision(c.delivery_id, AckVia.BUTTON if reply.button else AckVia.TEXT)
        return None
    text = (reply.text or "").strip()
    if not text:
        return None
    codes = reply_codes_in(text)
    if codes:
        coded = [c for c in mine if c.reply_code and c.reply_code.upper() in codes]
        if coded:
            newest = max(coded, key=lambda c: (c.requested_at, str(c.delivery_id)))
            return AckDecision(newest.delivery_id, AckVia.SMS_CODE)
    since = reply.received_at - FREE_TEXT_WINDOW
    open_ = [
        c
        for c in mine
        if c.ack_requested and not c.acknowledged and since <= c.requested_at <= reply.received_at
    ]
    if not open_:
        return None
    newest = max(open_, key=lambda c: (c.requested_at, str(c.delivery_id)))
    return AckDecision(newest.delivery_id, AckVia.TEXT)
