"""Sign-in secrets at rest: codes, tickets and phone numbers are kept only as keyed hashes.

A 6-digit code has a million values, so a plain hash is undone at once; an HMAC-SHA256 under the
roster's sign-in key (a setting, never in the database) is not. Shared by the code steps and the
token exchange so that both hash the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


def keyed_hash(key: bytes, text: str) -> bytes:
    """HMAC-SHA256 of `text` under `key`; compare results with `same_hash`."""
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def same_hash(a: bytes | None, b: bytes) -> bool:
    """Constant-time comparison, so a wrong guess takes as long as a right one."""
    return a is not None and hmac.compare_digest(a, b)


def code_hash(key: bytes, sign_in_id: str, code: str) -> bytes:
    """A code is bound to its sign-in: the same code of another attempt hashes differently."""
    return keyed_hash(key, f"{sign_in_id}:{code}")


# The numbers: a code lives five minutes and allows five tries; a ticket is redeemed for
# tokens at once, so two minutes cover a slow network.
CODE_LIFETIME = timedelta(minutes=5)
CODE_ATTEMPTS = 5
TICKET_LIFETIME = timedelta(minutes=2)
CODE_DIGITS = 6


def new_code(randbelow: Callable[[int], int]) -> str:
    """Six digits, leading zeros kept; `randbelow` is `secrets.randbelow` outside tests."""
    return f"{randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class Signer:
    """What the roster knows of whoever owns the number, as far as signing in goes."""

    member_id: str
    active: bool
    erased: bool
    consent_required: bool  # a volunteer: messaged only with consent
    consent_state: str | None
    whatsapp: str | None
    sms: str | None
    roles: tuple[tuple[str, str], ...]  # (role, unit_id) of the current postings
    language: str = "hi"


def may_sign_in(signer: Signer | None) -> bool:
    """Inactive and erased members, and volunteers without consent, get no code."""
    if signer is None or not signer.active or signer.erased or not signer.roles:
        return False
    return not signer.consent_required or signer.consent_state == "granted"


def channel_for(signer: Signer, phone: str, asked: str | None) -> str | None:
    """The channel the code goes on: the one asked for if that number is on it, else WhatsApp
    when the number is the member's WhatsApp, else SMS."""
    on = {c for c, n in (("whatsapp", signer.whatsapp), ("sms", signer.sms)) if n == phone}
    if asked in on:
        return asked
    for channel in ("whatsapp", "sms"):
        if channel in on:
            return channel
    return None


@dataclass(frozen=True, slots=True)
class Window:
    """Sign-ins counted over one rate-limit window, and when the oldest of them started."""

    count: int
    oldest: datetime | None


def retry_after(window: Window, limit: int, span: timedelta, now: datetime) -> int | None:
    """Seconds until a new code may be asked for, or None while under the limit."""
    if window.count < limit:
        return None
    if window.oldest is None:
        return max(1, int(span.total_seconds()))
    return max(1, math.ceil((window.oldest + span - now).total_seconds()))


class Verdict(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    LOCKED = "locked"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in as the verify step reads it."""

    member_id: str | None
    code_hash: bytes | None
    attempts: int
    expires_at: datetime
    verified: bool
    locked: bool


def judge(attempt: Attempt | None, given: bytes, now: datetime) -> Verdict:
    """The verdict on a code for a sign-in. A number not on the roster has no code: its sign-in
    answers WRONG until it locks, like a real one, so the answers tell nothing."""
    if attempt is None:
        return Verdict.UNKNOWN
    if attempt.verified:
        return Verdict.USED
    if attempt.locked or attempt.attempts >= CODE_ATTEMPTS:
        return Verdict.LOCKED
    if now >= attempt.expires_at:
        return Verdict.EXPIRED
    if attempt.member_id is not None and same_hash(attempt.code_hash, given):
        return Verdict.VERIFIED
    return Verdict.WRONG
