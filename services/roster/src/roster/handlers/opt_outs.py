"""A "STOP" / "बंद" reply withdraws the volunteer's consent.

The withdrawal is an automatic decision: on the audit trail as `system:opt-outs` (action
`roster.consent`, as a clerk's change of consent), with the reply event's id as its cause, in the
consumer's transaction. A reply that changes nothing (consent withdrawn already) writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from nazar_platform.db import Connection, audit
from nazar_platform.db.audit import Cause

from roster.handlers.context import Roster
from roster.handlers.propagate import after_members
from roster.store import members as member_store
from roster.store import staging

OPT_OUTS = audit.actor("opt-outs")


async def opt_out(
    roster: Roster, conn: Connection, member_id: str, at: datetime, cause: Cause, channel: str
) -> bool:
    """Inside the consumer's transaction, which records the event as applied with the change."""
    changed = await member_store.set_consent(
        conn, member_id, state="withdrawn", method=None, purpose=None, at=at
    )
    if changed:
        await staging.touch(conn, [member_id])
        await after_members(conn, roster.topics)
        await staging.drop_touched(conn)
        await audit.record(
            conn,
            audit.Decision(
                OPT_OUTS,
                "roster.consent",
                cause,
                target_member=member_id,
                detail=f"withdrawn by a reply on {channel}",
            ),
        )
    return changed
