"""roster.groups.v1: the groups derived from the tree (circle, state crime, PHQ crime admin)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from nazar_contracts.base import BilingualText, Id, NazarModel, UnitId, UtcDatetime, Version
from nazar_contracts.vocabulary import Role


class GroupKind(StrEnum):
    CIRCLE = "circle"  # one per circle: the CO (admin), the circle's members, SP and IG
    STATE_CRIME = "state_crime"  # ADG Crime's group: Home Dept officials, range IGs, SPs
    PHQ_CRIME_ADMIN = "phq_crime_admin"  # SP PHQ Crime's group that success stories go to


class GroupMember(NazarModel):
    member_id: Id
    role: Role
    unit_id: UnitId


class GroupUpserted(NazarModel):
    """The whole current membership of one group (a circle may have a few thousand members)."""

    group_id: Id
    kind: GroupKind
    unit_id: UnitId = Field(description="the circle, or the state unit")
    name: BilingualText
    admins: list[Id]
    members: list[GroupMember]
    version: Version
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _admins_are_members(self) -> Self:
        if not set(self.admins) <= {m.member_id for m in self.members}:
            raise ValueError("every admin is also a member of the group")
        return self
