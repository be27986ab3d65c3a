"""A unit's counts (issue 20, item 2) from the store's aggregate rows: police by rank, volunteers
by kind and consent state, members without a reachable channel. Pure, so the page's numbers are
one fold anyone can check against the rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nazar_contracts.vocabulary import COMMUNITY_ROLES, Role

from roster.domain.roles import SENIORITY

CONSENT_STATES = ("granted", "pending", "withdrawn")


@dataclass(frozen=True, slots=True)
class CountRow:
    role: str
    consent: str  # granted | pending | withdrawn | not_required
    unreachable: bool
    n: int


@dataclass
class UnitCounts:
    total: int = 0
    police: dict[str, int] = field(default_factory=dict)
    # kind → consent state → count; every state present, so a page shows its zeros.
    volunteers: dict[str, dict[str, int]] = field(default_factory=dict)
    unreachable: int = 0


def _seniority(role: str) -> int:
    return SENIORITY[Role(role)]


def fold(rows: Iterable[CountRow]) -> UnitCounts:
    """Police ranks and volunteer kinds in order of seniority; a role absent from the subtree is
    absent here."""
    out = UnitCounts()
    police: dict[str, int] = {}
    volunteers: dict[str, dict[str, int]] = {}
    for r in rows:
        out.total += r.n
        if r.unreachable:
            out.unreachable += r.n
        if Role(r.role) in COMMUNITY_ROLES:
            states = volunteers.setdefault(r.role, dict.fromkeys(CONSENT_STATES, 0))
            # A volunteer always needs consent: anything but granted or withdrawn is pending.
            state = r.consent if r.consent in ("granted", "withdrawn") else "pending"
            states[state] += r.n
        else:
            police[r.role] = police.get(r.role, 0) + r.n
    out.police = {k: police[k] for k in sorted(police, key=_seniority)}
    out.volunteers = {k: volunteers[k] for k in sorted(volunteers, key=_seniority)}
    return out
