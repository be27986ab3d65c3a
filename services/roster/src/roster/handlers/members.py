"""One member at a time: create or replace, consent, erasure (once a request is approved)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from nazar_platform import db

from roster.domain.rows import MemberRow
from roster.handlers import events
from roster.handlers.context import Roster, Topics
from roster.handlers.propagate import after_members
from roster.store import groups as group_store
from roster.store import members as member_store
from roster.store import staging

log = structlog.get_logger(__name__)


async def save_member(roster: Roster, row: MemberRow, scope: Sequence[str] | None) -> list[str]:
    """Create or replace one member through the import pipeline; [] or the reason codes."""
    async with db.transaction(roster.pool) as conn:
        await staging.create(conn)
        await staging.copy_rows(conn, [row])
        await staging.check(conn, scope)
        reasons = [reason for _, _, reason, _ in await staging.rejections(conn)]
        if reasons:
            return reasons
        await staging.apply(conn)
        await after_members(conn, roster.topics)
    return []


async def set_consent(
    roster: Roster, member_id: str, *, state: str, method: str | None, purpose: str | None,
    at: datetime | None = None,
) -> bool:  # fmt: skip
    async with db.transaction(roster.pool) as conn:
        changed = await member_store.set_consent(
            conn, member_id, state=state, method=method, purpose=purpose,
            at=at or datetime.now(UTC),
        )  # fmt: skip
        if changed:
            await staging.touch(conn, [member_id])
            await after_members(conn, roster.topics)
        return changed


async def erase(conn: db.Connection, topics: Topics, member_id: str) -> bool:
    """Erase the member in the caller's transaction (an approved erasure request,
    handlers/erasures.py): personal data removed, tombstones out, their groups republished."""
    await group_store.lock(conn)  # before anything changes: two erasures at once recompute in turn
    await staging.touch(conn, [member_id])
    circles = await group_store.circles_of_touched(conn)
    if not await member_store.erase(conn, member_id, [topics.members, topics.contacts]):
        return False
    await events.member_erased(conn, topics, member_id)
    changed = await group_store.recompute(conn, circles)
    if changed:
        await events.groups(conn, topics, changed)
    log.info("member erased", member_id=member_id)
    return True
