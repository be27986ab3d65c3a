"""Erasure requests (DPDP, issue 20 item 6): asked for by the office, decided by an officer who
may erase and did not ask; an approval erases the member in the same transaction (members.erase),
and each read model's confirmation (erasure.confirmations.v1) is recorded as it arrives."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

import structlog
from nazar_platform import db

from roster.handlers import members as member_handlers
from roster.handlers.context import ConflictError, NotFoundError, Roster
from roster.store import erasures as erasure_store
from roster.store import members as member_store

log = structlog.get_logger(__name__)


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class OwnRequestError(PermissionError):
    """The officer who asked for an erasure cannot decide it."""


def new_id() -> str:
    return f"era-{uuid.uuid4()}"


async def request(roster: Roster, member_id: str, reason: str, requested_by: str) -> str:
    """The new request's id. NotFoundError: no such member (or erased already);
    ConflictError: the member has an open request."""
    request_id = new_id()
    async with db.transaction(roster.pool) as conn:
        if await member_store.get(conn, member_id) is None:
            raise NotFoundError(member_id)
        units = await erasure_store.units_above(conn, member_id)
        if not await erasure_store.create(conn, request_id, member_id, units, reason, requested_by):
            raise ConflictError("roster.erasure_pending", "an open request exists")
    log.info("erasure requested", request_id=request_id, member_id=member_id)
    return request_id


async def decide(
    roster: Roster, request_id: str, decision: Decision, decided_by: str, note: str | None
) -> None:
    """Approve (and erase) or reject. NotFoundError, OwnRequestError, or ConflictError (decided
    already)."""
    async with db.transaction(roster.pool) as conn:
        row = await erasure_store.lock(conn, request_id)
        if row is None:
            raise NotFoundError(request_id)
        if row["requested_by"] == decided_by:
            raise OwnRequestError(request_id)
        if row["status"] != "requested":
            raise ConflictError("roster.erasure_decided", row["status"])
        await erasure_store.decide(conn, request_id, decision.value, decided_by, note)
        if decision is Decision.APPROVED:
            await member_handlers.erase(conn, roster.topics, row["member_id"])
    log.info("erasure request decided", request_id=request_id, decision=decision.value)


async def confirmed(conn: db.Connection, rows: Sequence[tuple[str, str, datetime]]) -> None:
    """Read models' confirmations (member id, read model, when), in the consumer's transaction."""
    await erasure_store.confirm(conn, rows)
