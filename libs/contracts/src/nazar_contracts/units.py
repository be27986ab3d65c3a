"""roster.units.v1: the command tree, one full-state record per unit.

Two event types share the topic: `nazar.unit.upserted.v1` (`UnitUpserted`, the kinds of
`UNIT_KINDS_V1`) and `nazar.unit.upserted.v2` (`UnitUpsertedV2`, which adds the `branch` kind).
The roster publishes a unit of a v1 kind as v1 and a branch as v2, so a compacted key holds one
type and a v1 consumer keeps reading every unit it understands; consumers accept both.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from nazar_contracts.base import BilingualName, NazarModel, UnitId, UtcDatetime, Version
from nazar_contracts.vocabulary import UNIT_KINDS_V1, UnitKind


def _v1_kind(kind: UnitKind) -> UnitKind:
    if kind not in UNIT_KINDS_V1:
        raise ValueError(f"a {kind.value} unit is nazar.unit.upserted.v2 only")
    return kind


# The v1 schema lists the v1 kinds only: what a v1 consumer was written against.
UnitKindV1 = Annotated[
    UnitKind,
    AfterValidator(_v1_kind),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [k.value for k in UnitKind if k in UNIT_KINDS_V1],
            "title": "UnitKind",
        }
    ),
]


class UnitUpserted(NazarModel):
    """The whole current state of one unit (state PHQ, range, commissionerate, district, circle,
    police station). `path` lists the unit ids from the state unit down to this unit, so a
    consumer can tell whether X lies inside Y (`Y in X.path`) without rebuilding the tree."""

    unit_id: UnitId
    kind: UnitKindV1
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


class UnitUpsertedV2(UnitUpserted):
    """nazar.unit.upserted.v2: as v1, and a unit may also be a `branch` of PHQ (the crime
    branch), which sits right under the state unit."""

    kind: UnitKind

    @model_validator(mode="after")
    def _branch_under_state(self) -> Self:
        if self.kind is UnitKind.BRANCH and len(self.path) != 2:
            raise ValueError("a branch sits right under the state unit")
        return self
