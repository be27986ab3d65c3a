"""The command tree: which kind of unit may sit under which, paths, and moves that stay a tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nazar_contracts.vocabulary import UnitKind

PARENT_KINDS: dict[UnitKind, frozenset[UnitKind]] = {
    UnitKind.STATE: frozenset(),
    UnitKind.RANGE: frozenset({UnitKind.STATE}),
    UnitKind.COMMISSIONERATE: frozenset({UnitKind.STATE}),
    UnitKind.DISTRICT: frozenset({UnitKind.RANGE, UnitKind.COMMISSIONERATE}),
    UnitKind.CIRCLE: frozenset({UnitKind.DISTRICT}),
    UnitKind.POLICE_STATION: frozenset({UnitKind.CIRCLE}),
    # A wing of PHQ such as the crime branch (BR-CRIME), where ADG Crime is posted.
    UnitKind.BRANCH: frozenset({UnitKind.STATE}),
}


class TreeError(ValueError):
    """A change that would break the tree. `code` names the problem for the problem catalogue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class UnitNode:
    unit_id: str
    kind: UnitKind
    parent_id: str | None
    active: bool = True


def check_parent(kind: UnitKind, parent: UnitNode | None) -> None:
    allowed = PARENT_KINDS[kind]
    if parent is None:
        if allowed:
            raise TreeError("unit-parent-required", f"a {kind.value} needs a parent unit")
        return
    if parent.kind not in allowed:
        raise TreeError(
            "unit-parent-kind",
            f"a {kind.value} cannot sit under a {parent.kind.value}",
        )
    if not parent.active:
        raise TreeError("unit-parent-closed", "the parent unit is closed")


def path_of(unit_id: str, units: Mapping[str, UnitNode]) -> list[str]:
    """Unit ids from the root down to `unit_id`."""
    path: list[str] = []
    current: str | None = unit_id
    while current is not None:
        if current in path:
            raise TreeError("unit-cycle", "the tree has a cycle")
        path.append(current)
        current = units[current].parent_id
    path.reverse()
    return path


def check_move(unit_id: str, new_parent_id: str, units: Mapping[str, UnitNode]) -> None:
    """A unit may move under any active unit of a fitting kind that is not inside itself."""
    unit = units[unit_id]
    parent = units[new_parent_id]
    check_parent(unit.kind, parent)
    if unit_id in path_of(new_parent_id, units):
        raise TreeError("unit-cycle", "a unit cannot move under itself")


def within(path: Sequence[str], scope: Sequence[str]) -> bool:
    """True when a unit with this path lies in the subtree of any unit in `scope`."""
    return any(u in scope for u in path)
