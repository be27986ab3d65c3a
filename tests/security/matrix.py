"""The authorization matrix's columns: one caller per role, each with an own and a foreign unit,
and the oracle (the platform's own access table and `decide`) that says what each may do.

Targets in a path: `unit_id`, `member_id` and `group_id` are filled with the caller's own unit,
themself and a circle group in their subtree ("own"), or a police station, a member and a circle
of another district ("foreign"). Any other identifier (a directive, a story, an import...) gets an
id that does not exist: such a cell checks the role gate and that nothing leaks, not the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import (
    Action,
    Scope,
    StaticMemberDirectory,
    StaticUnitDirectory,
    decide,
    scopes_for,
)
from nazar_platform.auth.tokens import Grant, Principal

from tests.e2e.clients import World, call
from tests.security.routes import RouteRow, Target

UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
OWN, FOREIGN = "own", "foreign"


@dataclass
class Caller:
    role: Role
    principal: Principal
    token: str
    unit_path: list[str]  # root → the caller's first posting
    targets: dict[str, dict[str, str]]  # side → {"unit_id": ..., "member_id": ..., ...}
    target_units: dict[str, str]  # side → the unit the side's targets sit in


@dataclass
class Tree:
    parents: dict[str, str | None]
    kinds: dict[str, str]
    member_units: dict[str, list[str]]

    def path(self, unit: str) -> list[str]:
        path: list[str] = []
        current: str | None = unit
        while current is not None and current not in path:
            path.append(current)
            current = self.parents.get(current)
        return path[::-1]

    def circle_of(self, unit: str) -> str | None:
        return next((u for u in self.path(unit) if self.kinds.get(u) == "circle"), None)

    def circle_below(self, unit: str) -> str | None:
        if (circle := self.circle_of(unit)) is not None:
            return circle
        circles = sorted(u for u, k in self.kinds.items() if k == "circle")
        return next((c for c in circles if unit in self.path(c)), None)


async def load_tree(world: World, token: str) -> Tree:
    r = await call(world.system, "GET", world.directive("/units"), token=token, retry_for=60)
    assert r.status_code == 200, r.text
    units = r.json()
    return Tree({u["id"]: u["parent_id"] for u in units}, {u["id"]: u["kind"] for u in units}, {})


async def member_at(world: World, tree: Tree, *, role: str = "", unit: str = "") -> dict[str, Any]:
    query = "&".join(
        q for q in (f"role={role}" if role else "", f"unit={unit}" if unit else "") if q
    )
    r = await call(world.system, "GET", world.directive(f"/dev/members?{query}&limit=1"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    if items:
        tree.member_units[items[0]["member_id"]] = [p["unit_id"] for p in items[0]["postings"]]
    return items[0] if items else {}


def _foreign_station(tree: Tree, path: list[str]) -> str:
    """A police station in another district than the caller's (any, for the state level)."""
    stations = sorted(u for u, k in tree.kinds.items() if k == "police_station")
    mine = [u for u in path if tree.kinds.get(u) in ("district", "circle", "police_station")]
    return next(s for s in stations if not set(mine) & set(tree.path(s)))


async def callers(world: World, tree: Tree) -> tuple[list[Caller], list[Role]]:
    """One member per role the demo roster holds; and the roles it holds nobody of."""
    found, missing = [], []
    for role in Role:
        member = await member_at(world, tree, role=role.value)
        if not member:
            missing.append(role)
            continue
        posting = next(p for p in member["postings"] if p["role"] == role.value)
        grants = tuple(Grant(Role(p["role"]), p["unit_id"]) for p in member["postings"])
        principal = Principal(member["member_id"], grants)
        own_unit = posting["unit_id"]
        path = tree.path(own_unit)
        station = _foreign_station(tree, path)
        stranger = await member_at(world, tree, unit=station)
        own_circle = tree.circle_below(own_unit) or tree.circle_below(station) or station
        targets = {
            OWN: {
                "unit_id": own_unit,
                "member_id": principal.member_id,
                "group_id": f"circle.{own_circle}",
            },
            FOREIGN: {
                "unit_id": station,
                "member_id": stranger["member_id"],
                "group_id": f"circle.{tree.circle_of(station)}",
            },
        }
        token = await world.token(principal.member_id)
        sides = {OWN: own_unit, FOREIGN: station}
        found.append(Caller(role, principal, token, path, targets, sides))
    return found, missing


def fill(row: RouteRow, caller: Caller, side: str) -> str:
    path = row.path
    for name in row.parameters:
        value = caller.targets[side].get(name, UNKNOWN_ID)
        path = path.replace("{" + name + "}", value)
    return path


def has_target(row: RouteRow) -> bool:
    return bool({"unit_id", "member_id", "group_id"} & set(row.parameters))


async def expected(row: RouteRow, caller: Caller, side: str, tree: Tree) -> str:
    """'refused' (no role grants the action), 'allowed', 'outside' (the role may, not there),
    or 'unplaced' (the role may; the target is an id the matrix does not place: 403 or 404 is
    as right as an answer, but never 401)."""
    principal = caller.principal
    for action in row.actions:
        if not scopes_for(principal, action):
            return "refused"
    if row.target is Target.STATE_ONLY:
        everywhere = all(Scope.STATE in scope_of(caller, a) for a in row.actions)
        return "allowed" if everywhere else "outside"
    if row.target is Target.OPEN:
        return "allowed"
    if not has_target(row):
        return "unplaced" if row.parameters else "allowed"
    targets = caller.targets[side]
    unit = targets["unit_id"] if "unit_id" in row.parameters else None
    member = targets["member_id"] if "member_id" in row.parameters else None
    if row.target is Target.NOT_SELF and member == principal.member_id:
        return "outside"
    if "group_id" in row.parameters:
        unit = targets["group_id"].removeprefix("circle.")
        membership = row.target is Target.MEMBERSHIP and unit in caller.unit_path
    else:
        membership = False
    units = StaticUnitDirectory(tree.parents)
    members = StaticMemberDirectory(tree.member_units)
    for action in row.actions:
        decision = await decide(
            principal, action, unit_id=unit, member_id=member, units=units, members=members
        )
        if not decision.allowed:
            # One's own circle's group: a member of it sees it, if the roster put one in it
            # (reachable, consented): data the matrix does not know.
            return "unplaced" if membership else "outside"
    return "unplaced" if set(row.parameters) - set(targets) else "allowed"


def scope_of(caller: Caller, action: Action) -> set[Scope]:
    return {scope for _, scope in scopes_for(caller.principal, action)}
