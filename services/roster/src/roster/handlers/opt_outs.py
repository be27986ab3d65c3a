"""A "STOP" / "बंद" reply withdraws the volunteer's consent."""

from __future__ import annotations

from datetime import datetime

from nazar_platform.db import Connection

from roster.handlers.context import Roster
from roster.handlers.propagate import after_members
from roster.store import members as member_store
from roster.store import staging


async def opt_out(roster: Roster, conn: Connection, member_id: str, at: datetime) -> bool:
    """Inside the consumer's transaction, which records the event as applied with the change."""
    changed = await member_store.set_consent(
        conn, member_id, state="withdrawn", method=None, purpose=None, at=at
    )
    if changed:
        await staging.touch(conn, [member_id])
        await after_members(conn, roster.topics)
        await staging.drop_touched(conn)
    return changed
