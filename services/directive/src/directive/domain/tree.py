"""The command tree as the directive service sees it, and which districts a directive targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nazar_contracts.vocabulary import UnitKind

from directive.domain.model import ConflictError, InvalidRequestError

# Units a directive's audience may name; a police station is reached through its circle.
TARGETABLE = frozenset(
    {UnitKind.STATE, UnitKind.RANGE, UnitKind.COMMISSIONERATE, UnitKind.DISTRICT, UnitKind.CIRCLE}
)
# The level above a district: a range (IG) or a commissionerate (Police Commissioner).
RANGE_KINDS = frozenset({UnitKind.RANGE, UnitKind.COMMISSIONERATE})


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    kind: UnitKind
    parent_id: str | None
    path: tuple[str, ...]  # unit ids from the root (state) down to this unit itself
    active: bool = True
    name_hi: str | None = None
    name_en: str | None = None


class UnitTree:
    def __init__(self, units: Iterable[Unit]) -> None:
        self._units: dict[str, Unit] = {u.id: u for u in units}
        self._children: dict[str, list[Unit]] = {}
        for u in self._units.values():
            if u.parent_id is not None:
                self._children.setdefault(u.parent_id, []).append(u)

    def get(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._units

    def all(self) -> Iterable[Unit]:
        return self._units.values()

    def within(self, unit_id: str, kind: UnitKind, *, active_only: bool = True) -> list[Unit]:
        """Units of `kind` in the subtree of `unit_id` (itself included)."""
        return [
            u
            for u in self._units.values()
            if u.kind == kind and unit_id in u.path and (u.active or not active_only)
        ]

    def ancestor(self, unit_id: str, kinds: frozenset[UnitKind]) -> Unit | None:
        """The nearest unit on the path from the root to `unit_id` whose kind is one of `kinds`."""
        unit = self._units.get(unit_id)
        if unit is None:
            return None
        for ancestor_id in reversed(unit.path):
            found = self._units.get(ancestor_id)
            if found is not None and found.kind in kinds:
                return found
        return None

    def district_of(self, unit_id: str) -> Unit | None:
        return self.ancestor(unit_id, frozenset({UnitKind.DISTRICT}))

    def range_of(self, unit_id: str) -> Unit | None:
        return self.ancestor(unit_id, RANGE_KINDS)

    def is_within(self, unit_id: str, scope_id: str) -> bool:
        unit = self._units.get(unit_id)
        return unit is not None and scope_id in unit.path


# district id -> the circles it must relay to; None means every circle the district has at relay.
Targets = Mapping[str, frozenset[str] | None]


def resolve_targets(unit_ids: Iterable[str], tree: UnitTree) -> dict[str, frozenset[str] | None]:
    """The districts (and, where only some were chosen, their circles) an audience covers.

    No unit ids means the whole state. A district named whole (directly or through its range)
    relays to all of its circles, even if some circles of it were also named one by one.
    """
    chosen = list(dict.fromkeys(unit_ids))
    if not chosen:
        roots = [u for u in tree.all() if u.kind == UnitKind.STATE]
        if not roots:
            raise InvalidRequestError(
                "the command tree is not known yet", detail_hi="कमान संरचना अभी उपलब्ध नहीं है"
            )
        chosen = [r.id for r in roots]
    whole: set[str] = set()
    partial: dict[str, set[str]] = {}
    for unit_id in chosen:
        unit = tree.get(unit_id)
        if unit is None or not unit.active:
            raise InvalidRequestError(
                f"unknown or closed unit {unit_id!r} in the audience",
                detail_hi=f"श्रोता में अज्ञात या बंद इकाई {unit_id!r}",
            )
        if unit.kind not in TARGETABLE:
            raise InvalidRequestError(
                f"unit {unit_id!r} is a {unit.kind}; name its circle instead",
                detail_hi=f"इकाई {unit_id!r} थाना है; उसके वृत्त का चयन करें",
            )
        if unit.kind == UnitKind.CIRCLE:
            district = tree.district_of(unit.id)
            if district is None:
                raise InvalidRequestError(
                    f"circle {unit_id!r} has no district", detail_hi="वृत्त का जिला ज्ञात नहीं है"
                )
            partial.setdefault(district.id, set()).add(unit.id)
        else:
            whole.update(d.id for d in tree.within(unit.id, UnitKind.DISTRICT))
    if not whole and not partial:
        raise InvalidRequestError(
            "the audience contains no district", detail_hi="श्रोता में कोई जिला नहीं है"
        )
    targets: dict[str, frozenset[str] | None] = dict.fromkeys(sorted(whole))
    for district_id, circles in sorted(partial.items()):
        if district_id not in whole:
            targets[district_id] = frozenset(circles)
    return targets


def relay_circles(
    district_id: str,
    targets: Targets,
    district_circles: Iterable[str],
    requested: Iterable[str] | None,
    already_relayed: Iterable[str],
) -> frozenset[str]:
    """The circles a relay goes to: the SP's choice (or all) within what the directive targets,
    minus circles the district has already relayed to."""
    if district_id not in targets:
        raise InvalidRequestError(
            f"district {district_id!r} is not in this directive's audience",
            detail_hi="यह जिला इस निर्देश के श्रोताओं में नहीं है",
        )
    allowed = targets[district_id]
    existing = frozenset(district_circles)
    allowed_now = existing if allowed is None else existing & allowed
    if requested is None:
        wanted = allowed_now
    else:
        wanted = frozenset(requested)
        outside = wanted - allowed_now
        if outside:
            raise InvalidRequestError(
                f"circles {sorted(outside)} are not targeted circles of district {district_id!r}",
                detail_hi="चुने गए कुछ वृत्त इस जिले के लक्षित वृत्त नहीं हैं",
            )
    remaining = wanted - frozenset(already_relayed)
    if not remaining:
        raise ConflictError(
            "every chosen circle has already received this directive",
            detail_hi="चुने गए सभी वृत्तों को यह निर्देश पहले ही भेजा जा चुका है",
        )
    return remaining
