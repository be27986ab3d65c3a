"""Automatic decisions on the audit trail: what a consumer or a scheduler changed on its own.

A request's entry is written by `nazar_platform.http.audit` once its answer is known. A state
change no request asked for — consent withdrawn by a "STOP" reply, a directive relayed at its
deadline, an escalation, an alert routed to a station's officers — is written here, by the
handler that makes it, **in the handler's own transaction**: the entry commits or rolls back with
the change, so the trail never shows a decision that did not stand nor misses one that did.

The entry names the automatic actor (`system:<worker>`), the action (an access action where a
person could do the same, e.g. `directive.relay`, `roster.consent`), what it is about (`subject`,
and the unit or member targets a request also has), the outcome and why, and its cause: the
CloudEvents id of the event that triggered it, or — a scheduler's decision, which no event
triggered — the deadline that passed, in `reason`. An event redelivered writes nothing more: an
idempotent consumer does not run its handler again, and a consumer that skips the processed-event
table meets the table's unique index on (cause, actor, action, targets), which the INSERT skips.

Same table as requests' entries (platform migrations 004 and 006: append-only, kept forever),
read through the same API (`nazar_platform.http.audit_api`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nazar_platform.db import Connection

ACTOR_PREFIX = "system:"
OUTCOMES = frozenset({"allowed", "failed"})
_WORKER = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


def actor(worker: str) -> str:
    """The automatic actor's name for `worker` (e.g. `scheduler` → `system:scheduler`)."""
    if not _WORKER.match(worker):
        raise ValueError(f"not a worker name: {worker!r}")
    return ACTOR_PREFIX + worker


def is_automatic(actor_name: str | None) -> bool:
    return actor_name is not None and actor_name.startswith(ACTOR_PREFIX)


@dataclass(frozen=True, slots=True)
class Cause:
    """Why an automatic decision was taken: the triggering event's id, or (no event) the
    scheduler's reason, e.g. `relay deadline 2026-12-05T06:00:00+00:00 passed`."""

    event_id: str | None = None
    tick: str | None = None

    def __post_init__(self) -> None:
        if (self.event_id is None) == (self.tick is None):
            raise ValueError("a cause is an event or a scheduler's tick, exactly one")
        if self.event_id is not None and not self.event_id.strip():
            raise ValueError("an event cause needs the event's id")
        if self.tick is not None and not self.tick.strip():
            raise ValueError("a tick cause needs its reason")

    @classmethod
    def event(cls, event_id: str) -> Cause:
        return cls(event_id=event_id)

    @classmethod
    def scheduled(cls, reason: str) -> Cause:
        return cls(tick=reason)


@dataclass(frozen=True, slots=True)
class Decision:
    """One automatic state change, as the trail records it."""

    actor: str  # from `actor(worker)`
    action: str
    cause: Cause
    subject: str | None = None  # what it is about: "directive:<id>", "incident:<id>"
    target_unit: str | None = None
    target_member: str | None = None
    outcome: str = "allowed"  # the change was made; "failed": decided, but it could not act
    detail: str | None = None  # what else a reader needs (the stage, how many officers)

    def __post_init__(self) -> None:
        if not is_automatic(self.actor) or not _WORKER.match(self.actor[len(ACTOR_PREFIX) :]):
            raise ValueError(f"not an automatic actor: {self.actor!r}")
        if not self.action:
            raise ValueError("an automatic decision names its action")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {sorted(OUTCOMES)}")

    @property
    def reason(self) -> str | None:
        """The stored reason: the tick's reason (no event), then the detail."""
        parts = [p for p in (self.cause.tick, self.detail) if p]
        return "; ".join(parts) or None


_INSERT = """
INSERT INTO audit_log (actor, action, subject, target_unit, target_member, outcome, reason,
                       cause_event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING id
"""


async def record(conn: Connection, decision: Decision) -> bool:
    """Write `decision` in the caller's transaction (which must be open: the entry stands or falls
    with the change); False when this cause had already written this decision."""
    if not conn.is_in_transaction():
        raise RuntimeError("an automatic decision is recorded in the transaction of its change")
    written = await conn.fetchval(
        _INSERT,
        decision.actor,
        decision.action,
        decision.subject,
        decision.target_unit,
        decision.target_member,
        decision.outcome,
        decision.reason,
        decision.cause.event_id,
    )
    return written is not None
