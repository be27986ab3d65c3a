"""The alert board's rules (issue 15): who sees an incident, how the board lists them, and what
an incident's history is. Pure: the store's WHERE clause (`store.board`) is the same rule in SQL,
and the integration tests hold the two to each other.

Who sees an incident: the officers it was routed or escalated to (`incident_officers`, whatever
their posting is now) and the officers whose units contain its station (the station's SHO, the
circle's CO, the district's SP, the range's IG; HQ everywhere). Volunteers and field ranks never
see the board (the access table gives them no `alert.receive`). A viewer who does not see an
incident gets no row of it at all, so the raiser's name and role reach exactly these people.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Viewer:
    """Who looks at the board: their member id and where their `alert.receive` grants reach."""

    member_id: str
    everywhere: bool
    unit_ids: frozenset[str]


def sees(viewer: Viewer, *, station_path: Sequence[str], officers: Collection[str]) -> bool:
    """May `viewer` see an incident at the station with `station_path` (state → station),
    routed or escalated to `officers`?"""
    if viewer.everywhere or viewer.member_id in officers:
        return True
    return not viewer.unit_ids.isdisjoint(station_path)


class BoardState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class BoardOrder(StrEnum):
    """Open incidents: the newest first, or those nobody has taken first, the oldest of them at
    the top (what has waited longest for an officer); closed ones are listed by when they closed."""

    NEWEST = "newest"
    OLDEST_UNACKNOWLEDGED = "oldest_unacknowledged"


def age_seconds(opened_at: datetime, closed_at: datetime | None, now: datetime) -> int:
    """How long the incident has been open (until it closed, for a closed one)."""
    return max(0, int(((closed_at or now) - opened_at).total_seconds()))


class Receipt(StrEnum):
    """How far an officer's message got: the furthest of its receipts."""

    REQUESTED = "requested"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # no delivery row (yet): the fan-out has not reached them


_STATUS = (Receipt.REQUESTED, Receipt.SENT, Receipt.DELIVERED, Receipt.READ)


def receipt(status: int | None, failed: bool, acked_at: datetime | None) -> Receipt:
    """`status` is the delivery's `domain.reach.Status` (None: no delivery)."""
    if status is None:
        return Receipt.NOT_SENT
    if acked_at is not None:
        return Receipt.ACKNOWLEDGED
    if failed and status < 2:  # a failure counts until a receipt shows it delivered
        return Receipt.FAILED
    return _STATUS[max(0, min(status, 3))]


class Happening(StrEnum):
    RAISED = "raised"  # an alert of the incident was raised (the first opens it)
    ROUTED = "routed"  # officers messaged at the routed stage (again after a hand-over)
    ESCALATED = "escalated"  # officers messaged one stage up
    ACKNOWLEDGED = "acknowledged"  # an officer acknowledged their message
    TAKEN = "taken"
    CLOSED = "closed"


@dataclass(frozen=True)
class Entry:
    at: datetime
    what: Happening
    by: str | None = None  # member id
    stage: str | None = None
    members: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OfficerMessage:
    member_id: str
    stage: str
    message_id: str
    added_at: datetime
    acked_at: datetime | None


def history(
    *,
    alerts: Iterable[tuple[str, str, datetime]],
    officers: Iterable[OfficerMessage],
    taken: tuple[str, datetime] | None,
    closed: tuple[str, datetime, str, str | None] | None,
) -> list[Entry]:
    """The incident's history from what the tables keep: each alert raised (alert id, raiser,
    raised_at); each message to officers (one entry per message: its stage and who got it);
    each acknowledgement; taken (by, at); closed (by, at, outcome, FIR number). Oldest first."""
    entries = [
        Entry(at, Happening.RAISED, by=raiser, detail={"alert_id": alert_id})
        for alert_id, raiser, at in alerts
    ]
    messages: dict[str, list[OfficerMessage]] = {}
    for o in officers:
        messages.setdefault(o.message_id, []).append(o)
        if o.acked_at is not None:
            entries.append(Entry(o.acked_at, Happening.ACKNOWLEDGED, by=o.member_id))
    for group in messages.values():
        first = min(group, key=lambda o: o.added_at)
        what = Happening.ROUTED if first.stage == "routed" else Happening.ESCALATED
        members = tuple(sorted(o.member_id for o in group))
        entries.append(Entry(first.added_at, what, stage=first.stage, members=members))
    if taken is not None:
        entries.append(Entry(taken[1], Happening.TAKEN, by=taken[0]))
    if closed is not None:
        by, at, outcome, fir = closed
        entries.append(
            Entry(at, Happening.CLOSED, by=by, detail={"outcome": outcome, "fir_number": fir})
        )
    order = list(Happening)
    # Stable: alerts raised at one moment keep the order they were given in.
    return sorted(entries, key=lambda e: (e.at, order.index(e.what)))
