"""Groups derived from the tree, never hand-kept (MISSION.md, points 1, 2 and 5).

This module states the rules in Python; the store computes the same rules set-based in SQL for
the whole state at once, and the integration tests hold the two to each other.

* circle group, one per active circle: the CO posted at the circle is admin; every member
  posted at the circle or at one of its police stations (police and volunteers); the SP of the
  circle's district and the IG of its range (in a commissionerate: the DCP and the Commissioner).
* state crime group: ADG Crime (the ADG posted at the crime branch, `CRIME_BRANCH`) is admin;
  the Home Secretary, the Joint Secretary (Home), the police PRO, every range IG and
  Commissioner, every SP and DCP. Another ADG (at PHQ or another branch) is not in it.
* PHQ crime admin group: the SP PHQ Crime is admin; the social media cell.

Only active members count, and only postings at active units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nazar_contracts.vocabulary import Role, UnitKind, is_adg_crime

from roster.domain.ids import PHQ_CRIME_ADMIN_GROUP, STATE_CRIME_GROUP, circle_group_id
from roster.domain.roles import SENIORITY

# With ADG Crime, who is a posting (`is_adg_crime`) rather than a role.
STATE_CRIME_MEMBERS = frozenset(
    {Role.HOME_SECRETARY, Role.JOINT_SECRETARY_HOME, Role.POLICE_PRO, Role.IG, Role.SP}
)
PHQ_CRIME_ADMIN_MEMBERS = frozenset(
    {Role.SP_PHQ_CRIME, Role.CONTENT_WRITER, Role.GRAPHICS_DESIGNER}
)


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    kind: UnitKind
    path: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True, slots=True)
class PostingRef:
    role: Role
    unit_id: str


@dataclass(frozen=True, slots=True)
class MemberRef:
    member_id: str
    active: bool
    postings: tuple[PostingRef, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    member_id: str
    role: Role
    unit_id: str
    admin: bool


@dataclass
class Membership:
    entries: dict[str, Entry] = field(default_factory=dict)

    def add(self, member_id: str, posting: PostingRef, admin: bool) -> None:
        old = self.entries.get(member_id)
        rank = (SENIORITY[posting.role], posting.unit_id)
        if old is None or rank < (SENIORITY[old.role], old.unit_id):
            self.entries[member_id] = Entry(
                member_id, posting.role, posting.unit_id, admin or (old is not None and old.admin)
            )
        elif admin and not old.admin:
            self.entries[member_id] = Entry(old.member_id, old.role, old.unit_id, True)

    def admins(self) -> list[str]:
        return sorted(e.member_id for e in self.entries.values() if e.admin)

    def members(self) -> list[Entry]:
        return [self.entries[k] for k in sorted(self.entries)]


def circle_of(unit: Unit) -> str | None:
    """The circle a unit belongs to: itself for a circle, its parent for a police station."""
    if unit.kind is UnitKind.CIRCLE:
        return unit.unit_id
    if unit.kind is UnitKind.POLICE_STATION and len(unit.path) >= 2:
        return unit.path[-2]
    return None


def derive(units: Mapping[str, Unit], members: Iterable[MemberRef]) -> dict[str, Membership]:
    """Every group's membership, keyed by group id (circle groups of active circles only)."""
    groups: dict[str, Membership] = {
        circle_group_id(u.unit_id): Membership()
        for u in units.values()
        if u.kind is UnitKind.CIRCLE and u.active
    }
    groups[STATE_CRIME_GROUP] = Membership()
    groups[PHQ_CRIME_ADMIN_GROUP] = Membership()
    circles_under: dict[str, list[str]] = {}
    for u in units.values():
        if u.kind is UnitKind.CIRCLE and u.active:
            for ancestor in u.path:
                circles_under.setdefault(ancestor, []).append(u.unit_id)
    for m in members:
        if not m.active:
            continue
        for p in m.postings:
            unit = units.get(p.unit_id)
            if unit is None or not unit.active:
                continue
            circle = circle_of(unit)
            if circle is not None and circle_group_id(circle) in groups:
                admin = p.role is Role.CO and unit.kind is UnitKind.CIRCLE
                groups[circle_group_id(circle)].add(m.member_id, p, admin)
            if (p.role is Role.SP and unit.kind is UnitKind.DISTRICT) or (
                p.role is Role.IG and unit.kind in (UnitKind.RANGE, UnitKind.COMMISSIONERATE)
            ):
                for c in circles_under.get(unit.unit_id, []):
                    groups[circle_group_id(c)].add(m.member_id, p, False)
            adg_crime = is_adg_crime(p.role, p.unit_id)
            if p.role in STATE_CRIME_MEMBERS or adg_crime:
                groups[STATE_CRIME_GROUP].add(m.member_id, p, adg_crime)
            if p.role in PHQ_CRIME_ADMIN_MEMBERS:
                groups[PHQ_CRIME_ADMIN_GROUP].add(m.member_id, p, p.role is Role.SP_PHQ_CRIME)
    return groups
