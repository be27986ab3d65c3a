"""Which role may be posted at which kind of unit, seniority, and the roles' names (hi, en)."""

from __future__ import annotations

from nazar_contracts.vocabulary import COMMUNITY_ROLES, POLICE_RANKS, Role, UnitKind

__all__ = [
    "COMMUNITY_ROLES",
    "POLICE_RANKS",
    "SENIORITY",
    "allowed_unit_kinds",
    "is_community",
]

_ANY_POLICE_UNIT = frozenset(
    {
        UnitKind.STATE,
        UnitKind.RANGE,
        UnitKind.COMMISSIONERATE,
        UnitKind.DISTRICT,
        UnitKind.CIRCLE,
        UnitKind.POLICE_STATION,
        UnitKind.BRANCH,
    }
)
_AT = {
    Role.SHO: frozenset({UnitKind.POLICE_STATION}),
    Role.CO: frozenset({UnitKind.CIRCLE}),
    Role.SP: frozenset({UnitKind.DISTRICT}),
    Role.IG: frozenset({UnitKind.RANGE, UnitKind.COMMISSIONERATE}),
    # An ADG heads a wing of PHQ (ADG Crime: the crime branch) or sits at PHQ itself.
    Role.ADG: frozenset({UnitKind.STATE, UnitKind.BRANCH}),
    Role.HOME_SECRETARY: frozenset({UnitKind.STATE}),
    Role.JOINT_SECRETARY_HOME: frozenset({UnitKind.STATE}),
    Role.POLICE_PRO: frozenset({UnitKind.STATE}),
    Role.SP_PHQ_CRIME: frozenset({UnitKind.STATE}),
    Role.CONTENT_WRITER: frozenset({UnitKind.STATE}),
    Role.GRAPHICS_DESIGNER: frozenset({UnitKind.STATE}),
    # Volunteers are attached to a police station (MISSION.md: "attached to each police station").
    **{r: frozenset({UnitKind.POLICE_STATION}) for r in COMMUNITY_ROLES},
}


def allowed_unit_kinds(role: Role) -> frozenset[UnitKind]:
    return _AT.get(role, _ANY_POLICE_UNIT)


def is_community(role: Role) -> bool:
    return role in COMMUNITY_ROLES


# When one member qualifies for a group through several postings, the group lists the most
# senior one (lowest number).
SENIORITY: dict[Role, int] = {
    role: i
    for i, role in enumerate(
        [
            Role.HOME_SECRETARY,
            Role.ADG,
            Role.JOINT_SECRETARY_HOME,
            Role.IG,
            Role.SP,
            Role.SP_PHQ_CRIME,
            Role.CO,
            Role.POLICE_PRO,
            Role.SHO,
            Role.INSPECTOR,
            Role.SI,
            Role.ASI,
            Role.HEAD_CONSTABLE,
            Role.CONSTABLE,
            Role.CONTENT_WRITER,
            Role.GRAPHICS_DESIGNER,
            Role.CLG_MEMBER,
            Role.GRAM_RAKSHAK,
            Role.POLICE_MITRA,
            Role.SURAKSHA_SAKHI,
        ]
    )
}
