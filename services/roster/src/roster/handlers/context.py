"""What every use case is given, and the failures they report to their callers."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from roster.domain.sync import SyncPolicy


@dataclass(frozen=True)
class Topics:
    units: str
    members: str
    contacts: str
    groups: str


@dataclass(frozen=True)
class Roster:
    """The database, where events go, the member-id key and the full-sync policy."""

    pool: asyncpg.Pool
    topics: Topics
    secret: bytes  # member ids are HMAC(secret, natural key)
    sync_policy: SyncPolicy = field(default_factory=SyncPolicy)


class NotFoundError(LookupError):
    pass


class ConflictError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Seen:
    """Where a request came from, for the sign-in audit (store/auth_events.py)."""

    ip: str | None = None
    request_id: str | None = None
