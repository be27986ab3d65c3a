"""What every use case needs: who acts, the clock, and where events go."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nazar_contracts import topics
from nazar_platform.db import Connection

from directive.domain.model import NotFoundError
from directive.store import directives as store


def utc_now() -> datetime:
    return datetime.now(UTC)


Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in member acting under one of their grants (role at unit)."""

    member_id: str
    role: str
    unit_id: str


@dataclass(frozen=True, slots=True)
class Topics:
    """Where the use cases' events go: the contract's topic, or a test's private one."""

    events: str = topics.DIRECTIVE_EVENTS
    alert_cases: str = topics.ALERT_CASES  # the case of a field alert (issue 15)


async def directive_or_404(
    conn: Connection, directive_id: UUID, *, lock: str = ""
) -> store.DirectiveRow:
    found = await store.get_directive(conn, directive_id, lock=lock)
    if found is None:
        raise NotFoundError("no such directive", detail_hi="ऐसा कोई निर्देश नहीं है")
    return found
