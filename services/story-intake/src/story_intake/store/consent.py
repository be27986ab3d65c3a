"""Members' consent, from roster.members.v1: whether a volunteer may send stories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nazar_platform import db


@dataclass(frozen=True, slots=True)
class ConsentRow:
    member_id: str
    required: bool
    state: str
    version: int


async def upsert(conn: db.Connection, rows: Sequence[ConsentRow]) -> None:
    if not rows:
        return
    await conn.executemany(
        """INSERT INTO member_consent AS m (member_id, required, state, version, updated_at)
        VALUES ($1, $2, $3, $4, now())
        ON CONFLICT (member_id) DO UPDATE SET required = excluded.required,
            state = excluded.state, version = excluded.version, updated_at = now()
        WHERE excluded.version >= m.version""",
        [(r.member_id, r.required, r.state, r.version) for r in rows],
    )


async def forget(conn: db.Connection, member_ids: Sequence[str]) -> None:
    if member_ids:
        await conn.execute(
            "DELETE FROM member_consent WHERE member_id = ANY($1::text[])", list(member_ids)
        )


async def state_of(conn: db.Connection, member_id: str) -> str | None:
    """The member's consent state; None if the roster has not told us about them."""
    state: str | None = await conn.fetchval(
        "SELECT state FROM member_consent WHERE member_id = $1", member_id
    )
    return state
