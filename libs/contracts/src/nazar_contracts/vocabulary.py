"""The shared vocabulary: roles a member can hold at a unit, kinds of unit, languages.

Every service and every event uses these names; the access table in `nazar_platform.auth.access`
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
    # A wing of PHQ (the crime branch, ...), right under the state unit. New in
    # nazar.unit.upserted.v2: v1 consumers refuse it, so units of this kind go out as v2 only.
    BRANCH = "branch"


# Unit kinds a nazar.unit.upserted.v1 record may carry (everything before BRANCH).
UNIT_KINDS_V1 = frozenset(
    {
        UnitKind.STATE,
        UnitKind.RANGE,
        UnitKind.COMMISSIONERATE,
        UnitKind.DISTRICT,
        UnitKind.CIRCLE,
        UnitKind.POLICE_STATION,
    }
)

# The crime branch of PHQ (अपराध शाखा). "ADG Crime" is not a role of its own: it is the ADG
# posted here, and only that posting (with the Home Department) issues state-wide directives and
# campaigns and heads the state crime group. Unit ids are stable codes, so the id names it.
CRIME_BRANCH = "BR-CRIME"


def is_adg_crime(role: str, unit_id: str) -> bool:
    """The ADG posted at the crime branch (a posting, or a token's grant)."""
    return role == Role.ADG and unit_id == CRIME_BRANCH


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
    ADG = "adg"  # at the state unit or a branch; ADG Crime is the ADG at CRIME_BRANCH
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


# How people read a role, in Hindi and English: the roster's pages, the directive console and the
# messages name roles the same way.
ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.CONSTABLE: ("कांस्टेबल", "Constable"),
    Role.HEAD_CONSTABLE: ("हेड कांस्टेबल", "Head constable"),
    Role.ASI: ("सहायक उप निरीक्षक", "ASI"),
    Role.SI: ("उप निरीक्षक", "SI"),
    Role.INSPECTOR: ("निरीक्षक", "Inspector"),
    Role.SHO: ("थानाधिकारी", "SHO"),
    Role.CO: ("वृत्ताधिकारी (पुलिस उपाधीक्षक)", "Circle Officer (DySP)"),
    Role.SP: ("पुलिस अधीक्षक", "SP / DCP"),
    Role.IG: ("पुलिस महानिरीक्षक", "IG / Commissioner"),
    Role.ADG: ("अतिरिक्त महानिदेशक पुलिस", "ADG"),
    Role.HOME_SECRETARY: ("गृह सचिव", "Home Secretary"),
    Role.JOINT_SECRETARY_HOME: ("संयुक्त सचिव (गृह)", "Joint Secretary (Home)"),
    Role.POLICE_PRO: ("पुलिस जनसंपर्क अधिकारी", "Police PRO"),
    Role.SP_PHQ_CRIME: ("पुलिस अधीक्षक (अपराध), मुख्यालय", "SP PHQ Crime"),
    Role.CONTENT_WRITER: ("कंटेंट राइटर", "Content writer"),
    Role.GRAPHICS_DESIGNER: ("ग्राफ़िक्स डिज़ाइनर", "Graphics designer"),
    Role.CLG_MEMBER: ("सीएलजी सदस्य", "CLG member"),
    Role.GRAM_RAKSHAK: ("ग्राम रक्षक", "Gram rakshak"),
    Role.POLICE_MITRA: ("पुलिस मित्र", "Police mitra"),
    Role.SURAKSHA_SAKHI: ("सुरक्षा सखी", "Suraksha sakhi"),
}

# How people read a kind of unit, in Hindi and English (the consoles' header and the roster's
# tree name a unit's kind beside its name, never by its code).
UNIT_KIND_NAMES: dict[UnitKind, tuple[str, str]] = {
    UnitKind.STATE: ("राज्य (पुलिस मुख्यालय)", "State (PHQ)"),
    UnitKind.RANGE: ("रेंज", "Range"),
    UnitKind.COMMISSIONERATE: ("पुलिस आयुक्तालय", "Commissionerate"),
    UnitKind.DISTRICT: ("ज़िला", "District"),
    UnitKind.CIRCLE: ("वृत्त", "Circle"),
    UnitKind.POLICE_STATION: ("थाना", "Police station"),
    UnitKind.BRANCH: ("शाखा (मुख्यालय)", "Branch (PHQ)"),
}


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
