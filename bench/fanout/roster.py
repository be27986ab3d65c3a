"""A state-scale roster written straight into the directive read model (no roster service).

Shape from Rajasthan Police's published structure: 7 ranges and 2 commissionerates, 49 police
districts, 230 circles, about 900 police stations, and about 330 members per station (police
personnel and community volunteers) — some 300,000 recipients. Every circle group holds the
circle's members, its CO, the district's SP and the range's IG. A few volunteers have no consent
and a few members are inactive, as in life. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from directive.domain.tree import Unit
from directive.store.roster import GroupRow, MemberRow
from nazar_contracts.vocabulary import COMMUNITY_ROLES, UnitKind

RANGES = {
    "Ajmer": 6,
    "Bharatpur": 5,
    "Bikaner": 4,
    "Jodhpur": 8,
    "Jaipur": 8,
    "Kota": 5,
    "Udaipur": 7,
}
COMMISSIONERATES = {"Jaipur Commissionerate": 4, "Jodhpur Commissionerate": 2}
CIRCLES = 230
STATIONS = 900
POLICE_ROLES = ["constable"] * 12 + ["head_constable"] * 4 + ["asi", "si"]
VOLUNTEER_ROLES = sorted(COMMUNITY_ROLES)


@dataclass
class Roster:
    units: list[Unit] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    state_id: str = ""
    adg_id: str = ""


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(members_per_station: int = 333, seed: int = 7) -> Roster:
    rng = random.Random(seed)
    r = Roster()
    state = Unit(
        "RJ", UnitKind.STATE, None, ("RJ",), name_hi="राजस्थान पुलिस", name_en="Rajasthan Police"
    )
    r.units.append(state)
    r.state_id = state.id
    r.adg_id = _uid(rng)
    r.members.append(MemberRow(r.adg_id, ["adg"], [state.id], True, None, "hi", "एडीजी क्राइम"))
    for role in ("home_secretary", "joint_secretary_home", "police_pro"):
        r.members.append(MemberRow(_uid(rng), [role], [state.id], True, None, "hi"))
    tops = [(n, UnitKind.RANGE, k) for n, k in RANGES.items()] + [
        (n, UnitKind.COMMISSIONERATE, k) for n, k in COMMISSIONERATES.items()
    ]
    districts: list[tuple[Unit, str]] = []  # (district, ig id)
    sps: dict[str, str] = {}
    for i, (name, kind, n_districts) in enumerate(tops):
        top = Unit(f"RJ-R{i:02d}", kind, state.id, (state.id, f"RJ-R{i:02d}"), name_en=name)
        r.units.append(top)
        ig = _uid(rng)
        r.members.append(MemberRow(ig, ["ig"], [top.id], True, None, "hi"))
        for j in range(n_districts):
            did = f"{top.id}-D{j:02d}"
            d = Unit(did, UnitKind.DISTRICT, top.id, (*top.path, did), name_en=f"{name} {j}")
            r.units.append(d)
            r.districts.append(did)
            districts.append((d, ig))
            sps[did] = _uid(rng)
            r.members.append(MemberRow(sps[did], ["sp"], [did], True, None, "hi"))
    # Spread circles and stations evenly over districts, the remainder to the first ones.
    circle_units: list[tuple[Unit, str]] = []
    for k in range(CIRCLES):
        d, ig = districts[k % len(districts)]
        cid = f"{d.id}-C{k:03d}"
        circle_units.append((Unit(cid, UnitKind.CIRCLE, d.id, (*d.path, cid)), ig))
    r.units += [c for c, _ in circle_units]
    for index, (c, ig) in enumerate(circle_units):
        district_id = c.parent_id or ""
        co = _uid(rng)
        r.members.append(MemberRow(co, ["co"], [c.id], True, None, "hi"))
        group_members = [co, sps[district_id], ig]
        n_stations = STATIONS // CIRCLES + (1 if index < STATIONS % CIRCLES else 0)
        for s in range(n_stations):
            sid = f"{c.id}-S{s}"
            r.units.append(Unit(sid, UnitKind.POLICE_STATION, c.id, (*c.path, sid)))
            for n in range(members_per_station):
                mid = _uid(rng)
                volunteer = n >= members_per_station // 3
                role = rng.choice(VOLUNTEER_ROLES) if volunteer else rng.choice(POLICE_ROLES)
                if n == 0:
                    role = "sho"
                consented = (rng.random() > 0.02) if volunteer else None
                active = rng.random() > 0.01
                language = "hi" if rng.random() < 0.85 else "en"
                r.members.append(MemberRow(mid, [role], [sid], active, consented, language))
                group_members.append(mid)
        r.groups.append(GroupRow(f"G-{c.id}", "circle", c.id, [co], group_members))
    return r
