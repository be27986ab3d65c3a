"""Who may do what, where: the one access table every service reads, and the decision over it.

A grant is a (role, unit) pair from the token. The role decides which actions are possible and
with which scope (`ACCESS`), and a few postings add to it (`POSTED_ACCESS`: ADG Crime is the ADG
posted at the crime branch); the unit anchors a SUBTREE scope in the command tree
(state → range | commissionerate → district → circle → police station). Looking up the tree is
behind two small protocols so the decision stays pure and each service brings its own read
model (usually built from `roster.units.v1` / `roster.members.v1`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from nazar_contracts.vocabulary import CRIME_BRANCH, Role

from nazar_platform.auth.tokens import Grant, Principal


class Action(StrEnum):
    ROSTER_READ = "roster.read"
    ROSTER_WRITE = "roster.write"
    ROSTER_IMPORT = "roster.import"
    ROSTER_CONSENT = "roster.consent"
    ROSTER_ERASE = "roster.erase"
    DIRECTIVE_ISSUE = "directive.issue"
    DIRECTIVE_RELAY = "directive.relay"
    DIRECTIVE_NOTE = "directive.note"
    DIRECTIVE_READ = "directive.read"  # reach, exports, laggards
    DIRECTIVE_ACKNOWLEDGE = "directive.acknowledge"
    INBOX_READ = "inbox.read"
    ALERT_RAISE = "alert.raise"
    ALERT_RECEIVE = "alert.receive"  # see, acknowledge and act on alerts routed to one's unit
    STORY_SUBMIT = "story.submit"
    STORY_MODERATE = "story.moderate"
    STORY_EDIT = "story.edit"
    STORY_APPROVE = "story.approve"
    PUBLISH_MANAGE = "publish.manage"
    GATE_CHECK = "gate.check"  # the lawful-publishing gate on a text the caller sends
    GATE_REDACT = "gate.redact"
    AUDIT_READ = "audit.read"
    CHANNELS_READ = "channels.read"  # the publisher's operational view
    # Remove a member's passkeys (lost or stolen) so their next sign-in registers a new one.
    # A SUBTREE grant resets only members posted below its unit: an SP's passkey is PHQ's to
    # reset, never a peer's (the roster checks that part); nobody resets their own.
    PASSKEY_RESET = "auth.passkey_reset"


class Scope(StrEnum):
    SUBTREE = "subtree"  # the grant unit and everything below it
    SELF = "self"  # the caller themself and what was sent to them
    STATE = "state"  # everywhere


A, S = Action, Scope

# Everyone who can be sent a directive reads their own inbox and acknowledges what reached them.
# Anyone may put a text of their own through the lawful-publishing gate before it goes anywhere:
# the gate reads only the text sent and keeps nothing of it.
_RECIPIENT = {
    A.INBOX_READ: S.SELF,
    A.DIRECTIVE_ACKNOWLEDGE: S.SELF,
    A.GATE_CHECK: S.SELF,
    A.GATE_REDACT: S.SELF,
}

# Field members (police below SHO, an inspector not posted as SHO, community volunteers) act on
# themselves only: they see their own record and what was sent to them, and report upwards.
_FIELD = {**_RECIPIENT, A.ROSTER_READ: S.SELF, A.STORY_SUBMIT: S.SELF, A.ALERT_RAISE: S.SELF}
# Consent applies to volunteers only, and it is theirs to give and to withdraw.
_VOLUNTEER = {**_FIELD, A.ROSTER_CONSENT: S.SELF}

# Command roles (SHO, CO, SP/DCP, IG/Commissioner) keep the roster of their subtree (enrolling
# volunteers records their consent), watch directives' reach there, and receive the alerts routed
# to their units (IG: escalations).
_COMMAND = {
    **_RECIPIENT,
    A.ROSTER_READ: S.SUBTREE,
    A.ROSTER_WRITE: S.SUBTREE,
    A.ROSTER_CONSENT: S.SUBTREE,
    A.DIRECTIVE_READ: S.SUBTREE,
    A.ALERT_RECEIVE: S.SUBTREE,
}
# Bulk import and erasure touch many people or remove one for good: district level and above.
_DISTRICT_AND_ABOVE = {**_COMMAND, A.ROSTER_IMPORT: S.SUBTREE, A.ROSTER_ERASE: S.SUBTREE}

# HQ (posted at the state unit) acts state-wide on what it may do; it alone reads the audit trail
# and the publisher's operational view.
_HQ = {
    **_RECIPIENT,
    A.ROSTER_READ: S.STATE,
    A.ROSTER_WRITE: S.STATE,
    A.ROSTER_IMPORT: S.STATE,
    A.ROSTER_CONSENT: S.STATE,
    A.ROSTER_ERASE: S.STATE,
    A.DIRECTIVE_READ: S.STATE,
    A.AUDIT_READ: S.STATE,
    A.CHANNELS_READ: S.STATE,
    A.PASSKEY_RESET: S.STATE,
}
# State-wide directives and campaigns start with ADG Crime or the Home Department, nowhere else.
# ADG Crime is a posting, not a role: see POSTED_ACCESS below.
_ISSUE = {A.DIRECTIVE_ISSUE: S.STATE}
_ISSUER = {**_HQ, **_ISSUE}

# The PHQ social media cell works on stories and public posts state-wide, never on the roster:
# the content writer edits text, the graphics designer attaches the creative (also an edit), the
# PRO edits and schedules; approval stays with SP PHQ Crime (and the ADG Crime above them).
_CELL = {
    **_RECIPIENT,
    A.STORY_MODERATE: S.STATE,
    A.STORY_EDIT: S.STATE,
    A.PUBLISH_MANAGE: S.STATE,
    A.CHANNELS_READ: S.STATE,
}

ACCESS: Mapping[Role, Mapping[Action, Scope]] = MappingProxyType(
    {
        role: MappingProxyType(actions)
        for role, actions in {
            Role.CONSTABLE: _FIELD,
            Role.HEAD_CONSTABLE: _FIELD,
            Role.ASI: _FIELD,
            Role.SI: _FIELD,
            Role.INSPECTOR: _FIELD,
            Role.CLG_MEMBER: _VOLUNTEER,
            Role.GRAM_RAKSHAK: _VOLUNTEER,
            Role.POLICE_MITRA: _VOLUNTEER,
            Role.SURAKSHA_SAKHI: _VOLUNTEER,
            # The station in-charge receives field alerts first and may report like anyone.
            Role.SHO: {**_COMMAND, A.STORY_SUBMIT: S.SELF, A.ALERT_RAISE: S.SELF},
            # The CO is the circle group's admin: adds local notes, first reviewer of stories.
            Role.CO: {
                **_COMMAND,
                A.DIRECTIVE_NOTE: S.SUBTREE,
                A.STORY_MODERATE: S.SUBTREE,
                A.STORY_SUBMIT: S.SELF,
                A.ALERT_RAISE: S.SELF,
            },
            # The SP (DCP) relays directives into the district's circles and forwards stories.
            Role.SP: {
                **_DISTRICT_AND_ABOVE,
                A.PASSKEY_RESET: S.SUBTREE,
                A.DIRECTIVE_RELAY: S.SUBTREE,
                A.STORY_MODERATE: S.SUBTREE,
                A.STORY_SUBMIT: S.SELF,
            },
            # The range IG (Police Commissioner) oversees: reach and escalations of the range.
            Role.IG: _DISTRICT_AND_ABOVE,
            # Any ADG reads and keeps the state's roster; only ADG Crime issues (POSTED_ACCESS).
            Role.ADG: {
                **_HQ,
                A.ALERT_RECEIVE: S.STATE,
                A.STORY_MODERATE: S.STATE,
                A.STORY_APPROVE: S.STATE,
            },
            Role.HOME_SECRETARY: _ISSUER,
            Role.JOINT_SECRETARY_HOME: _ISSUER,
            Role.SP_PHQ_CRIME: {
                **_HQ,
                A.ALERT_RECEIVE: S.STATE,
                A.STORY_MODERATE: S.STATE,
                A.STORY_EDIT: S.STATE,
                A.STORY_APPROVE: S.STATE,
                A.PUBLISH_MANAGE: S.STATE,
            },
            Role.CONTENT_WRITER: _CELL,
            Role.GRAPHICS_DESIGNER: _CELL,
            Role.POLICE_PRO: _CELL,
        }.items()
    }
)

# What a role may do only where it is posted: (role, unit id) → actions added to ACCESS[role].
# Other ADGs (posted at the state unit or another branch) have no issuing grant by default.
POSTED_ACCESS: Mapping[tuple[Role, str], Mapping[Action, Scope]] = MappingProxyType(
    {(Role.ADG, CRIME_BRANCH): MappingProxyType(_ISSUE)}
)
del A, S


def actions_of(role: Role, unit_id: str) -> Mapping[Action, Scope]:
    """What one grant (a role at a unit) may do, and with which scope."""
    base = ACCESS.get(role, {})
    posted = POSTED_ACCESS.get((role, unit_id))
    return base if posted is None else {**base, **posted}


class UnitDirectory(Protocol):
    async def path(self, unit_id: str) -> Sequence[str] | None:
        """Unit ids from the state unit down to `unit_id` (inclusive); None if unknown."""
        ...


class MemberDirectory(Protocol):
    async def units_of(self, member_id: str) -> Sequence[str]:
        """Units of the member's current postings; empty if unknown or erased."""
        ...


class StaticUnitDirectory:
    """A tree given as {unit: parent}; for tests and small fixed trees."""

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._parents = dict(parents)

    async def path(self, unit_id: str) -> Sequence[str] | None:
        if unit_id not in self._parents:
            return None
        path: list[str] = []
        current: str | None = unit_id
        while current is not None:
            if current in path or current not in self._parents:
                return None  # a cycle or a dangling parent: not a unit we can place
            path.append(current)
            current = self._parents[current]
        return path[::-1]


class StaticMemberDirectory:
    def __init__(self, postings: Mapping[str, Sequence[str]]) -> None:
        self._postings = {m: tuple(units) for m, units in postings.items()}

    async def units_of(self, member_id: str) -> Sequence[str]:
        return self._postings.get(member_id, ())


class Reason(StrEnum):
    ROLE_HAS_ACTION = "role_has_action"  # the role check alone (`require`), no target
    WITHIN_SUBTREE = "within_subtree"
    SELF = "self"
    STATE_WIDE = "state_wide"
    ROLE_LACKS_ACTION = "role_lacks_action"
    OUTSIDE_SCOPE = "outside_scope"
    UNKNOWN_UNIT = "unknown_unit"
    TARGET_REQUIRED = "target_required"  # a SUBTREE action needs a unit or member to judge


_ALLOWED_BY = {Scope.SUBTREE: Reason.WITHIN_SUBTREE, Scope.SELF: Reason.SELF}
# When every grant refuses, report the most telling reason.
_REFUSAL_RANK = {Reason.OUTSIDE_SCOPE: 0, Reason.TARGET_REQUIRED: 1, Reason.UNKNOWN_UNIT: 2}


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    action: Action
    grant: Grant | None  # the grant that allowed it; None when refused
    unit_id: str | None
    member_id: str | None
    reason: str


def scopes_for(principal: Principal, action: Action) -> list[tuple[Grant, Scope]]:
    found = ((g, actions_of(g.role, g.unit_id)) for g in principal.grants)
    return [(g, actions[action]) for g, actions in found if action in actions]


def check_role(principal: Principal, action: Action) -> AccessDecision:
    """May any of the caller's roles do `action` at all (somewhere)?"""
    found = scopes_for(principal, action)
    grant = found[0][0] if found else None
    reason = Reason.ROLE_HAS_ACTION if grant else Reason.ROLE_LACKS_ACTION
    return AccessDecision(grant is not None, action, grant, None, None, reason)


class _Lookups:
    """Tree lookups for one decision, each made at most once whatever the number of grants."""

    def __init__(self, units: UnitDirectory, members: MemberDirectory | None) -> None:
        self._units = units
        self._members = members
        self._paths: dict[str, Sequence[str] | None] = {}
        self._member_paths: dict[str, list[Sequence[str]]] = {}

    async def path(self, unit_id: str) -> Sequence[str] | None:
        if unit_id not in self._paths:
            self._paths[unit_id] = await self._units.path(unit_id)
        return self._paths[unit_id]

    async def member_paths(self, member_id: str) -> list[Sequence[str]]:
        if self._members is None:
            raise ValueError("a member target needs a MemberDirectory")
        if member_id not in self._member_paths:
            paths = [await self.path(u) for u in await self._members.units_of(member_id)]
            self._member_paths[member_id] = [p for p in paths if p is not None]
        return self._member_paths[member_id]


async def _judge(
    principal: Principal,
    grant: Grant,
    scope: Scope,
    unit_id: str | None,
    member_id: str | None,
    lookups: _Lookups,
) -> Reason:
    if scope is Scope.STATE:
        return Reason.STATE_WIDE
    if scope is Scope.SELF:
        # A unit is never "oneself"; no target at all means the caller's own (e.g. inbox.read).
        if unit_id is None and member_id in (None, principal.member_id):
            return Reason.SELF
        return Reason.OUTSIDE_SCOPE
    if unit_id is None and member_id is None:
        return Reason.TARGET_REQUIRED
    if unit_id is not None:
        path = await lookups.path(unit_id)
        if path is None:
            return Reason.UNKNOWN_UNIT
        if grant.unit_id not in path:
            return Reason.OUTSIDE_SCOPE
    if member_id is not None:
        paths = await lookups.member_paths(member_id)
        if not any(grant.unit_id in p for p in paths):
            return Reason.OUTSIDE_SCOPE
    return Reason.WITHIN_SUBTREE


async def decide(
    principal: Principal,
    action: Action,
    *,
    unit_id: str | None = None,
    member_id: str | None = None,
    units: UnitDirectory,
    members: MemberDirectory | None = None,
) -> AccessDecision:
    """May `principal` do `action` to the unit and/or member given (both must be in scope)?

    With several grants (additional charge) the first grant that allows wins and is reported;
    state-wide and self grants are tried before subtree grants, which need tree lookups.
    """
    candidates = sorted(scopes_for(principal, action), key=lambda gs: gs[1] is Scope.SUBTREE)
    if not candidates:
        return AccessDecision(False, action, None, unit_id, member_id, Reason.ROLE_LACKS_ACTION)
    lookups = _Lookups(units, members)
    refusal = Reason.OUTSIDE_SCOPE
    for grant, scope in candidates:
        verdict = await _judge(principal, grant, scope, unit_id, member_id, lookups)
        if verdict not in _REFUSAL_RANK:
            return AccessDecision(True, action, grant, unit_id, member_id, verdict)
        refusal = max(refusal, verdict, key=_REFUSAL_RANK.__getitem__)
    return AccessDecision(False, action, None, unit_id, member_id, refusal)


@dataclass(frozen=True)
class ScopeFilter:
    """What a list or search may return: rows anywhere (`everywhere`), rows in the subtrees of
    `unit_ids`, and rows about or sent to `member_id` (the caller, when a SELF grant applies).
    Services turn it into their WHERE clause, so a search never returns what a direct read
    would refuse."""

    everywhere: bool
    unit_ids: frozenset[str]
    member_id: str | None

    @property
    def nothing(self) -> bool:
        return not self.everywhere and not self.unit_ids and self.member_id is None

    def covers(self, *, unit_path: Sequence[str] = (), member_id: str | None = None) -> bool:
        """For rows filtered in memory: a row at `unit_path` (root→unit) and/or about a member."""
        if self.everywhere:
            return True
        if self.unit_ids.intersection(unit_path):
            return True
        return member_id is not None and member_id == self.member_id


def scope_units(principal: Principal, action: Action) -> ScopeFilter:
    found = scopes_for(principal, action)
    return ScopeFilter(
        everywhere=any(scope is Scope.STATE for _, scope in found),
        unit_ids=frozenset(g.unit_id for g, scope in found if scope is Scope.SUBTREE),
        member_id=principal.member_id if any(s is Scope.SELF for _, s in found) else None,
    )
