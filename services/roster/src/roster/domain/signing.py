"""The roster's token-signing keys (issue 16, item 2): which key signs and which are published,
decided from times alone. The key material (ES256, sealed at rest) is made in
handlers/signing_keys.py.

A key goes next → current → retired by its times: published in the JWKS from `publish_at`, it
signs from `sign_from` (one JWKS cache period later, so that no verifier meets a kid it has not
fetched) until a newer key signs, and stays published until `retire_at`, when the last access
token it signed has expired.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ALGORITHM = "ES256"


class KeyState(StrEnum):
    NEXT = "next"  # published, not yet signing
    CURRENT = "current"  # signs
    RETIRING = "retiring"  # no longer signs; published while its tokens live
    RETIRED = "retired"  # gone from the JWKS


@dataclass(frozen=True, slots=True)
class KeyTimes:
    kid: str
    publish_at: datetime
    sign_from: datetime
    retire_at: datetime | None = None


def current(keys: Sequence[KeyTimes], now: datetime) -> KeyTimes | None:
    """The key that signs at `now`: the newest whose signing has begun and that is not retired."""
    live = [k for k in keys if k.sign_from <= now and (k.retire_at is None or k.retire_at > now)]
    return max(live, key=lambda k: k.sign_from, default=None)


def state(key: KeyTimes, keys: Sequence[KeyTimes], now: datetime) -> KeyState:
    if key.retire_at is not None and key.retire_at <= now:
        return KeyState.RETIRED
    if now < key.sign_from:
        return KeyState.NEXT
    signing = current(keys, now)
    return KeyState.CURRENT if signing is not None and signing.kid == key.kid else KeyState.RETIRING


def published(keys: Sequence[KeyTimes], now: datetime) -> list[KeyTimes]:
    """The keys the JWKS lists at `now`, newest first."""
    return sorted(
        (k for k in keys if k.publish_at <= now and (k.retire_at is None or k.retire_at > now)),
        key=lambda k: k.sign_from,
        reverse=True,
    )


@dataclass(frozen=True, slots=True)
class Rotation:
    """A new key and, if one signs now, the retirement time of the key it replaces."""

    new: KeyTimes
    retire: tuple[str, datetime] | None


def rotation(
    keys: Sequence[KeyTimes],
    now: datetime,
    *,
    every: timedelta,
    publish_lead: timedelta,
    token_life: timedelta,
    force: bool = False,
) -> Rotation | None:
    """What to do at `now`: nothing, or add a key (and schedule the old one's retirement).

    The first key signs at once (no verifier can hold a token of an older one). A later key is
    due when the current one has signed for `every` and no next key waits already."""
    signing = current(keys, now)
    kid = new_kid(now)
    if signing is None:
        if any(k.retire_at is None for k in keys):
            # A first key exists, made a moment after `now` by a concurrent call (the worker and
            # a sign-in at startup): a second one would stay published and never sign.
            return None
        return Rotation(KeyTimes(kid, now, now), None)
    if any(k.sign_from > now for k in keys):
        return None  # a next key is already published
    if not force and signing.sign_from + every > now:
        return None
    sign_from = now + publish_lead
    return Rotation(KeyTimes(kid, now, sign_from), (signing.kid, sign_from + token_life))


def new_kid(now: datetime) -> str:
    return f"roster-{now:%Y%m%d}-{secrets.token_hex(4)}"


def seal_context(kid: str) -> str:
    # Binds a sealed private key to its kid: a sealed key copied onto another row does not open.
    return f"roster.signing_key:{kid}"
