"""Who receives what: the issue audience, role filters, each recipient's place in the tree, and
the circle groups a story's circulation reaches."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from nazar_contracts.stories import CirculationScope
from nazar_contracts.vocabulary import COMMUNITY_ROLES, Role, is_adg_crime

from directive.domain.tree import UnitTree

# State-level members who get every directive at issue, as in the roster's state group: the
# Home Department and the PRO wherever posted, and of the ADGs only ADG Crime (the ADG posted at
# the crime branch); another ADG is not in the state group and gets none by default.
STATE_ROLES = frozenset({Role.HOME_SECRETARY, Role.JOINT_SECRETARY_HOME, Role.POLICE_PRO})


def state_level(posting: Posting) -> bool:
    return posting.role in STATE_ROLES or is_adg_crime(posting.role, posting.unit_id)


# The chain of command inside a circle group receives a directive even when it is addressed to
# some roles only: they must see what their circles were told.
COMMAND_ROLES = frozenset({Role.CO, Role.SP, Role.IG})


@dataclass(frozen=True, slots=True)
class Posting:
    role: str
    unit_id: str


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    postings: tuple[Posting, ...]
    active: bool = True
    consented: bool | None = None  # None: consent does not apply (police personnel)
    language: str | None = None
    may_message: bool | None = None  # as the roster published it; None: the rule below decides

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(p.role for p in self.postings)

    @property
    def is_volunteer(self) -> bool:
        # As the contract has it: consent is required of anyone holding a community role.
        return bool(self.roles & COMMUNITY_ROLES)

    @property
    def reachable(self) -> bool:
        """Active, and, for a volunteer, with consent on record (issue 6, item 4)."""
        if self.may_message is not None:
            return self.may_message
        if not self.active:
            return False
        return not self.is_volunteer or self.consented is True


def issue_recipients(
    members: Iterable[Member],
    targets: Mapping[str, object],
    tree: UnitTree,
    *,
    issuer_id: str | None = None,
) -> list[Member]:
    """Who gets a directive the moment it is issued: the state-level members, and the SPs and
    IGs (DCPs and Commissioners) of the targeted districts — not yet anyone in the circles."""
    ranges = {r.id for d in targets if (r := tree.range_of(d)) is not None}
    chosen: dict[str, Member] = {}
    for m in members:
        if m.id == issuer_id or not m.reachable:
            continue
        for p in m.postings:
            if (
                state_level(p)
                or (p.role == Role.SP and p.unit_id in targets)
                or (p.role == Role.IG and p.unit_id in ranges)
            ):
                chosen[m.id] = m
                break
    return [chosen[k] for k in sorted(chosen)]


def role_filter_applies(member_roles: Collection[str], wanted: Collection[str] | None) -> bool:
    """True when a member passes a directive's role filter (None: everyone)."""
    if not wanted:
        return True
    roles = set(member_roles)
    return bool(roles & set(wanted)) or bool(roles & COMMAND_ROLES)


def leaf_unit(postings: Sequence[Posting], tree: UnitTree, within: str | None = None) -> str | None:
    """The unit a recipient is counted under in the reach roll-up: the posting inside `within`
    (the relayed circle) when there is one, else the first posting."""
    if within is not None:
        for p in postings:
            if tree.is_within(p.unit_id, within):
                return p.unit_id
    return postings[0].unit_id if postings else None


@dataclass(frozen=True, slots=True)
class CircleSelection:
    """Which circle groups a story's circulation reaches besides the PHQ crime admin group:
    none, those under one unit (the author's district or range), or every circle in the state."""

    under: str | None = None
    everywhere: bool = False

    @property
    def none(self) -> bool:
        return self.under is None and not self.everywhere


def circulation_circles(
    scope: CirculationScope, district_id: str, range_id: str | None
) -> CircleSelection:
    """The approver's scope as circle groups (issue 13, item 6). A district without a range
    above it (a commissionerate's, in a tree without one) circulates in its own district."""
    if scope is CirculationScope.STATE:
        return CircleSelection(everywhere=True)
    if scope is CirculationScope.RANGE:
        return CircleSelection(under=range_id or district_id)
    if scope is CirculationScope.DISTRICT:
        return CircleSelection(under=district_id)
    return CircleSelection()
