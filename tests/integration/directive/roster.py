"""A small command tree and its members and groups, as the roster publishes them (contract models).

PHQ → range RNG-BIKANER (DST-BIKANER, DST-CHURU) and commissionerate CP-JAIPUR (DST-JAIPUR-EAST);
two circles per district, two police stations per circle. Per station: an SHO, three constables,
three volunteers (one of them has withdrawn consent, one is pending) and one inactive constable.
Per circle a CO; per district an SP; per range an IG; at PHQ the ADG Crime, the Home Secretary and
the police PRO. Circle groups: the CO (admin), every member of the circle's stations, the SP and
the IG. Names are Hindi (Devanagari) and Latin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from nazar_contracts.base import BilingualName, BilingualText
from nazar_contracts.groups import GroupKind, GroupMember, GroupUpserted
from nazar_contracts.members import Consent, ConsentMethod, ConsentState, MemberUpserted, Posting
from nazar_contracts.units import UnitUpserted, UnitUpsertedV2
from nazar_contracts.vocabulary import (
    COMMUNITY_ROLES,
    CRIME_BRANCH,
    UNIT_KINDS_V1,
    Language,
    Role,
    UnitKind,
)

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
HINDI_NAMES = ["राजेश कुमार", "सुनीता देवी", "महेंद्र सिंह", "पूजा शर्मा", "रामलाल मीणा", "कविता चौधरी"]

# Each unit by its names (Hindi, English): the pages show them, never the code (issue 20).
TREE = {
    "RNG-BIKANER": (
        "range",
        ("बीकानेर रेंज", "Bikaner Range"),
        {"DST-BIKANER": ("बीकानेर", "Bikaner"), "DST-CHURU": ("चूरू", "Churu")},
    ),
    "CP-JAIPUR": (
        "commissionerate",
        ("जयपुर पुलिस आयुक्तालय", "Jaipur Police Commissionerate"),
        {"DST-JAIPUR-EAST": ("जयपुर पूर्व", "Jaipur East")},
    ),
}


@dataclass
class Roster:
    units: list[UnitUpserted] = field(default_factory=list)
    members: list[MemberUpserted] = field(default_factory=list)
    groups: list[GroupUpserted] = field(default_factory=list)
    by_role: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (role, unit) → ids
    circle_members: dict[str, set[str]] = field(default_factory=dict)  # group members per circle
    reachable: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    circles_of: dict[str, list[str]] = field(default_factory=dict)
    unit_paths: dict[str, list[str]] = field(default_factory=dict)

    def one(self, role: str, unit: str) -> str:
        return self.by_role[(role, unit)][0]


def _unit(r: Roster, uid: str, kind: UnitKind, parent: str | None, hi: str, en: str) -> None:
    path = [*r.unit_paths[parent], uid] if parent else [uid]
    r.unit_paths[uid] = path
    # A branch of PHQ exists in v2 only; the other kinds go out as v1, as the roster does.
    model = UnitUpserted if kind in UNIT_KINDS_V1 else UnitUpsertedV2
    r.units.append(
        model(
            unit_id=uid,
            kind=kind,
            name=BilingualName(hi=hi, en=en),
            parent_id=parent,
            path=path,
            active=True,
            version=1,
            updated_at=NOW,
        )
    )


def _member(
    r: Roster,
    role: Role,
    unit: str,
    *,
    active: bool = True,
    consent: ConsentState | None = None,
    language: Language = Language.HI,
) -> str:
    n = len(r.members)
    mid = f"mbr-{n:04d}"
    required = role in COMMUNITY_ROLES
    state = consent or (ConsentState.GRANTED if required else ConsentState.NOT_REQUIRED)
    r.members.append(
        MemberUpserted(
            member_id=mid,
            name_hi=HINDI_NAMES[n % len(HINDI_NAMES)],
            name_latin=f"Member {n}",
            postings=[
                Posting(
                    role=role,
                    unit_id=unit,
                    unit_path=r.unit_paths[unit],
                    primary=True,
                    since=date(2024, 1, 1),
                )
            ],
            preferred_language=language,
            has_whatsapp=True,
            has_sms=True,
            active=active,
            consent=Consent(
                required=required,
                state=state,
                method=ConsentMethod.FORM if state is ConsentState.GRANTED else None,
                recorded_at=NOW if state is ConsentState.GRANTED else None,
                withdrawn_at=NOW if state is ConsentState.WITHDRAWN else None,
            ),
            synthetic=True,
            version=1,
            updated_at=NOW,
        )
    )
    r.by_role.setdefault((str(role), unit), []).append(mid)
    ok = active and state in (ConsentState.GRANTED, ConsentState.NOT_REQUIRED)
    (r.reachable if ok else r.unreachable).add(mid)
    return mid


def build() -> Roster:
    r = Roster()
    _unit(r, "PHQ", UnitKind.STATE, None, "पुलिस मुख्यालय", "Police Headquarters")
    _unit(r, CRIME_BRANCH, UnitKind.BRANCH, "PHQ", "अपराध शाखा", "Crime Branch")
    _member(r, Role.ADG, CRIME_BRANCH)  # ADG Crime
    _member(r, Role.HOME_SECRETARY, "PHQ", language=Language.EN)
    _member(r, Role.POLICE_PRO, "PHQ")
    state_group: list[str] = [
        r.one("adg", "BR-CRIME"),
        r.one("home_secretary", "PHQ"),
        r.one("police_pro", "PHQ"),
    ]
    for top, (kind, (top_hi, top_en), districts) in TREE.items():
        _unit(r, top, UnitKind(kind), "PHQ", top_hi, top_en)
        ig = _member(r, Role.IG, top)
        state_group.append(ig)
        for district, (name_hi, name_en) in districts.items():
            _unit(r, district, UnitKind.DISTRICT, top, name_hi, name_en)
            sp = _member(r, Role.SP, district)
            state_group.append(sp)
            r.circles_of[district] = []
            for c in range(2):
                circle = f"CIR-{district[4:]}-{c + 1}"
                r.circles_of[district].append(circle)
                _unit(
                    r,
                    circle,
                    UnitKind.CIRCLE,
                    district,
                    f"वृत्त {name_hi} {c + 1}",
                    f"Circle {c + 1}",
                )
                co = _member(r, Role.CO, circle)
                entries = [(co, Role.CO, circle), (sp, Role.SP, district), (ig, Role.IG, top)]
                for s in range(2):
                    station = f"PS-{district[4:]}-{c + 1}{s + 1}"
                    _unit(
                        r,
                        station,
                        UnitKind.POLICE_STATION,
                        circle,
                        f"थाना {s + 1}",
                        f"Station {s + 1}",
                    )
                    staff = [
                        (Role.SHO, {}),
                        (Role.CONSTABLE, {}),
                        (Role.CONSTABLE, {}),
                        (Role.HEAD_CONSTABLE, {"language": Language.EN}),
                        (Role.CONSTABLE, {"active": False}),
                        (Role.GRAM_RAKSHAK, {}),
                        (Role.SURAKSHA_SAKHI, {}),
                        (Role.POLICE_MITRA, {"consent": ConsentState.WITHDRAWN}),
                        (Role.CLG_MEMBER, {"consent": ConsentState.PENDING}),
                    ]
                    for role, extra in staff:
                        mid = _member(r, role, station, **extra)  # type: ignore[arg-type]
                        entries.append((mid, role, station))
                r.circle_members[circle] = {e[0] for e in entries}
                r.groups.append(
                    GroupUpserted(
                        group_id=f"GRP-{circle}",
                        kind=GroupKind.CIRCLE,
                        unit_id=circle,
                        name=BilingualText(hi=f"वृत्त समूह {circle}", en=f"{circle} group"),
                        admins=[co],
                        members=[
                            GroupMember(member_id=m, role=role, unit_id=u) for m, role, u in entries
                        ],
                        version=1,
                        updated_at=NOW,
                    )
                )
    r.groups.append(
        GroupUpserted(
            group_id="GRP-STATE-CRIME",
            kind=GroupKind.STATE_CRIME,
            unit_id="PHQ",
            name=BilingualText(hi="राज्य अपराध समूह", en="State crime group"),
            admins=[state_group[0]],
            members=[GroupMember(member_id=m, role=Role.ADG, unit_id="PHQ") for m in state_group],
            version=1,
            updated_at=NOW,
        )
    )
    # Another ADG, at PHQ itself: no issuing grant, not in the state group (last, so the ids
    # of everyone above stay as they were).
    _member(r, Role.ADG, "PHQ")
    return r
