"""Sign-in secrets at rest: codes, tickets and phone numbers are kept only as keyed hashes.

A 6-digit code has a million values, so a plain hash is undone at once; an HMAC-SHA256 under the
roster's sign-in key (a setting, never in the database) is not. Shared by the code steps and the
token exchange so that both hash the same way.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(key: bytes, text: str) -> bytes:
    """HMAC-SHA256 of `text` under `key`; compare results with `same_hash`."""
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def same_hash(a: bytes | None, b: bytes) -> bool:
    """Constant-time comparison, so a wrong guess takes as long as a right one."""
    return a is not None and hmac.compare_digest(a, b)


def code_hash(key: bytes, sign_in_id: str, code: str) -> bytes:
    """A code is bound to its sign-in: the same code of another attempt hashes differently."""
    return keyed_hash(key, f"{sign_in_id}:{code}")
