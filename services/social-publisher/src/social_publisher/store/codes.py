"""SQL of sign-in codes: who was sent a code on which channel, and how it ended; never the code.
Functions take a connection and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nazar_platform.db import Connection


async def insert(conn: Connection, rows: Sequence[tuple[str, str, str, str]]) -> set[str]:
    """(sign_in_id, member_id, channel, outcome) rows; returns the sign-in ids that were new (a
    replayed record finds its row and is not sent again)."""
    if not rows:
        return set()
    found = await conn.fetch(
        """INSERT INTO sign_in_codes (sign_in_id, member_id, channel, outcome)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (sign_in_id) DO NOTHING
           RETURNING sign_in_id""",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
    )
    return {r["sign_in_id"] for r in found}


async def finish(
    conn: Connection, answers: Sequence[tuple[str, str, str | None, datetime, str]]
) -> None:
    """(sign_in_id, outcome, provider error code, when, channel it went by) of codes the sender
    tried. A status webhook may have come first (the recorder writes in batches): it is not
    overwritten."""
    if not answers:
        return
    await conn.executemany(
        """UPDATE sign_in_codes SET outcome = $2, error = $3, answered_at = $4, channel = $5
           WHERE sign_in_id = $1 AND outcome = 'pending'""",
        answers,
    )


async def statuses(
    conn: Connection, updates: Sequence[tuple[str, str, str | None, list[str]]]
) -> None:
    """(sign_in_id, status, error code, the outcomes it may replace) from providers' webhooks."""
    if not updates:
        return
    await conn.executemany(
        """UPDATE sign_in_codes SET outcome = $2, error = coalesce($3, error)
           WHERE sign_in_id = $1 AND outcome = ANY($4::text[])""",
        updates,
    )


async def purge(conn: Connection, before: datetime) -> None:
    await conn.execute("DELETE FROM sign_in_codes WHERE created_at < $1", before)


async def forget(conn: Connection, member_ids: Sequence[str]) -> None:
    """An erased member's rows."""
    await conn.execute(
        "DELETE FROM sign_in_codes WHERE member_id = ANY($1::text[])", list(member_ids)
    )
