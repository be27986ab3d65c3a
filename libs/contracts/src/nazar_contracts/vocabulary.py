"""The shared vocabulary: roles a member can hold at a unit, kinds of unit, languages.

Every service and every event uses these names; the access table in `nazar_platform.access`
decides what each role may do.
"""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    STATE = "state"  # Police Headquarters (PHQ), Jaipur
    RANGE = "range"  # headed by an IG
    COMMISSIONERATE = "commissionerate"  # Jaipur, Jodhpur: headed by the Police Commissioner
    DISTRICT = "district"  # police district (SP) or commissionerate district (DCP)
    CIRCLE = "circle"  # Circle Officer (DySP)
    POLICE_STATION = "police_station"  # थाना, SHO


class Role(StrEnum):
    # Police ranks. A posting says which rank serves where; SHO is the in-charge of a station.
    CONSTABLE = "constable"
    HEAD_CONSTABLE = "head_constable"
    ASI = "asi"
    SI = "si"
    INSPECTOR = "inspector"
    SHO = "sho"
    CO = "co"  # DySP / Circle Officer
    SP = "sp"  # SP of a police district, or DCP in a commissionerate
    IG = "ig"  # range IG, or Police Commissioner
    ADG = "adg"  # e.g. ADG Crime, posted at the state unit
    # State officials.
    HOME_SECRETARY = "home_secretary"
    JOINT_SECRETARY_HOME = "joint_secretary_home"
    POLICE_PRO = "police_pro"
    SP_PHQ_CRIME = "sp_phq_crime"
    # PHQ social media cell.
    CONTENT_WRITER = "content_writer"
    GRAPHICS_DESIGNER = "graphics_designer"
    # Community volunteers (consent applies to these only).
    CLG_MEMBER = "clg_member"
    GRAM_RAKSHAK = "gram_rakshak"
    POLICE_MITRA = "police_mitra"
    SURAKSHA_SAKHI = "suraksha_sakhi"


COMMUNITY_ROLES = frozenset(
    {Role.CLG_MEMBER, Role.GRAM_RAKSHAK, Role.POLICE_MITRA, Role.SURAKSHA_SAKHI}
)
POLICE_RANKS = frozenset(
    {
        Role.CONSTABLE,
        Role.HEAD_CONSTABLE,
        Role.ASI,
        Role.SI,
        Role.INSPECTOR,
        Role.SHO,
        Role.CO,
        Role.SP,
        Role.IG,
        Role.ADG,
    }
)


class Language(StrEnum):
    HI = "hi"
    EN = "en"
