"""An office's changes to one member (issue 20, item 3), each in one transaction that also
republishes the member (and their contacts) and recomputes the groups they move between, as an
import or `PATCH /members/{id}` does. The request's audit entry is the middleware's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from nazar_contracts.vocabulary import Role, UnitKind
from nazar_platform import db

from roster.domain import member_changes as rules
from roster.handlers.context import NotFoundError, Roster
from roster.handlers.propagate import after_members
from roster.store import member_changes as store
from roster.store import staging


class RefusedError(Exception):
    """The change breaks a rule: the reason codes (`rules.TRANSFER_REASONS`)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


async def transfer(
    roster: Roster, member_id: str, from_unit: str | None, to_unit: str, on: date, by: str,
    today: date | None = None,
) -> str:  # fmt: skip
    """Move the member's posting at `from_unit` (their primary one when None) to `to_unit` from
    `on`; the unit the posting left. Raises NotFoundError, RefusedError."""
    async with db.transaction(roster.pool) as conn:
        current = await store.posting(conn, member_id, from_unit)
        if current is None:
            if from_unit is None:
                raise NotFoundError(member_id)
            raise RefusedError(["no-such-posting"])
        found = await store.unit(conn, to_unit)
        target = (
            None
            if found is None
            else rules.Target(found["unit_id"], UnitKind(found["kind"]), found["active"])
        )
        role = Role(current["role"])
        reasons = rules.transfer_problems(
            role, current["since"], on, today or datetime.now(UTC).date(), current["unit_id"],
            target,
        )  # fmt: skip
        if not reasons and await store.posted_at(conn, member_id, role.value, to_unit):
            reasons = ["same-unit"]
        if reasons:
            raise RefusedError(reasons)
        await store.transfer(conn, member_id, role.value, current["unit_id"], to_unit, on, by)
        await _carried_on(roster, conn, member_id)
        left: str = current["unit_id"]
        return left


async def set_active(roster: Roster, member_id: str, active: bool) -> bool:
    """Deactivate or reactivate; False when the member already was so."""
    async with db.transaction(roster.pool) as conn:
        changed = await store.set_active(conn, member_id, active)
        if changed:
            await _carried_on(roster, conn, member_id)
        return changed


async def record_consent(
    roster: Roster, member_id: str, *, required: bool, state: str, method: str, purpose: str,
    given_on: date, by: str, today: date | None = None,
) -> None:  # fmt: skip
    """Record a volunteer's consent (or its withdrawal) with its proof. Raises RefusedError."""
    now = datetime.now(UTC)
    reasons = rules.consent_problems(given_on, today or now.date(), required)
    if reasons:
        raise RefusedError(reasons)
    async with db.transaction(roster.pool) as conn:
        changed = await store.record_consent(
            conn, member_id, state=state, method=method, purpose=purpose, given_on=given_on,
            by=by, at=now,
        )  # fmt: skip
        if changed:
            await _carried_on(roster, conn, member_id)


async def _carried_on(roster: Roster, conn: db.Connection, member_id: str) -> None:
    await staging.touch(conn, [member_id])
    await after_members(conn, roster.topics)
