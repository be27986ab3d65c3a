"""roster.units.v1: the command tree, one full-state record per unit."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from nazar_contracts.base import BilingualName, NazarModel, UnitId, UtcDatetime, Version
from nazar_contracts.vocabulary import UnitKind


class UnitUpserted(NazarModel):
    """The whole current state of one unit (state PHQ, range, commissionerate, district, circle,
    police station). `path` lists the unit ids from the state unit down to this unit, so a
    consumer can tell whether X lies inside Y (`Y in X.path`) without rebuilding the tree."""

    unit_id: UnitId
    kind: UnitKind
    name: BilingualName
    parent_id: UnitId | None = Field(description="None for the state unit only")
    path: list[UnitId] = Field(min_length=1, description="unit ids from the root down to self")
    active: bool
    closed_at: UtcDatetime | None = None
    version: Version = Field(description="grows with every change of this unit")
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _tree_is_consistent(self) -> Self:
        if self.path[-1] != self.unit_id:
            raise ValueError("path must end with the unit itself")
        if len(set(self.path)) != len(self.path):
            raise ValueError("path must not repeat a unit")
        if self.parent_id is None:
            if self.kind is not UnitKind.STATE or len(self.path) != 1:
                raise ValueError("only the state unit has no parent, and its path is itself")
        elif len(self.path) < 2 or self.path[-2] != self.parent_id:
            raise ValueError("the second-last entry of path must be parent_id")
        if self.active and self.closed_at is not None:
            raise ValueError("a closed unit is not active")
        return self
