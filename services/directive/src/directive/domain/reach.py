"""Delivery status and reach counters (issue 6, items 5 and 6).

A delivery's provider status only moves forward: requested < sent < delivered < read. `failed`
is a flag beside it: a delivery that failed counts as failed until a later receipt shows it
delivered after all (the publisher falls back to SMS). An acknowledgement proves the member read
the message, so it lifts the status to read. Counters are "at least" figures: delivered includes
read, sent includes delivered. The SQL in store/receipts.py applies exactly these rules set-based;
tests compare its counters with `counts` recomputed here from the deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import IntEnum

from nazar_contracts import event_types as types


class Status(IntEnum):
    REQUESTED = 0
    SENT = 1
    DELIVERED = 2
    READ = 3


RECEIPT_STATUS = {
    types.DISPATCH_SENT: Status.SENT,
    types.DISPATCH_DELIVERED: Status.DELIVERED,
    types.DISPATCH_READ: Status.READ,
}
FAILED_TYPE = types.DISPATCH_FAILED


@dataclass(frozen=True, slots=True)
class DeliveryState:
    rank: Status = Status.REQUESTED
    failed: bool = False
    acknowledged: bool = False

    def receive(self, status: Status | None, *, failed: bool = False) -> DeliveryState:
        rank = self.rank if status is None else max(self.rank, status)
        return DeliveryState(rank, self.failed or failed, self.acknowledged)

    def acknowledge(self) -> DeliveryState:
        return DeliveryState(max(self.rank, Status.READ), self.failed, True)


@dataclass(frozen=True, slots=True)
class Counts:
    targeted: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    acknowledged: int = 0
    failed: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __sub__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def ack_share(self) -> float | None:
        return None if self.targeted == 0 else self.acknowledged / self.targeted


def counts(state: DeliveryState) -> Counts:
    """What one delivery contributes to its counters."""
    return Counts(
        targeted=1,
        sent=int(state.rank >= Status.SENT),
        delivered=int(state.rank >= Status.DELIVERED),
        read=int(state.rank >= Status.READ),
        acknowledged=int(state.acknowledged),
        failed=int(state.failed and state.rank < Status.DELIVERED),
    )


def roll_up(rows: Iterable[tuple[tuple[str, ...], Counts]]) -> dict[str, Counts]:
    """Totals for every unit on the given paths: a row counts for each unit on its path."""
    totals: dict[str, Counts] = {}
    for path, c in rows:
        for unit_id in path:
            totals[unit_id] = totals.get(unit_id, Counts()) + c
    return totals
