"""The group rules on a small tree, including a commissionerate and an additional charge."""

from __future__ import annotations

from nazar_contracts.vocabulary import Role, UnitKind
from roster.domain.groups import MemberRef, PostingRef, Unit, derive

K = UnitKind
TREE = {
    u.unit_id: u
    for u in [
        Unit("PHQ", K.STATE, ("PHQ",)),
        Unit("RNG-B", K.RANGE, ("PHQ", "RNG-B")),
        Unit("DST-B", K.DISTRICT, ("PHQ", "RNG-B", "DST-B")),
        Unit("CIR-1", K.CIRCLE, ("PHQ", "RNG-B", "DST-B", "CIR-1")),
        Unit("PS-1", K.POLICE_STATION, ("PHQ", "RNG-B", "DST-B", "CIR-1", "PS-1")),
        Unit("CIR-2", K.CIRCLE, ("PHQ", "RNG-B", "DST-B", "CIR-2")),
        Unit("CP-J", K.COMMISSIONERATE, ("PHQ", "CP-J")),
        Unit("DST-JE", K.DISTRICT, ("PHQ", "CP-J", "DST-JE")),
        Unit("CIR-J", K.CIRCLE, ("PHQ", "CP-J", "DST-JE", "CIR-J")),
        Unit("CIR-X", K.CIRCLE, ("PHQ", "RNG-B", "DST-B", "CIR-X"), active=False),
    ]
}


def m(member: str, *postings: tuple[Role, str], active: bool = True) -> MemberRef:
    return MemberRef(member, active, tuple(PostingRef(r, u) for r, u in postings))


MEMBERS = [
    m("adg", (Role.ADG, "PHQ")),
    m("home", (Role.HOME_SECRETARY, "PHQ")),
    m("ig", (Role.IG, "RNG-B")),
    m("cp", (Role.IG, "CP-J")),
    m("sp", (Role.SP, "DST-B")),
    m("dcp", (Role.SP, "DST-JE")),
    m("co", (Role.CO, "CIR-1"), (Role.CO, "CIR-2")),  # additional charge of a second circle
    m("sho", (Role.SHO, "PS-1")),
    m("const", (Role.CONSTABLE, "PS-1")),
    m("gone", (Role.CONSTABLE, "PS-1"), active=False),
    m("sakhi", (Role.SURAKSHA_SAKHI, "PS-1")),
    m("spc", (Role.SP_PHQ_CRIME, "PHQ")),
    m("writer", (Role.CONTENT_WRITER, "PHQ")),
    m("pro", (Role.POLICE_PRO, "PHQ")),
]


def test_circle_groups() -> None:
    groups = derive(TREE, MEMBERS)
    assert set(groups) == {"circle.CIR-1", "circle.CIR-2", "circle.CIR-J", "state-crime",
                           "phq-crime-admin"}  # fmt: skip
    c1 = groups["circle.CIR-1"]
    assert [e.member_id for e in c1.members()] == ["co", "const", "ig", "sakhi", "sho", "sp"]
    assert c1.admins() == ["co"]
    assert groups["circle.CIR-2"].admins() == ["co"]
    assert [e.member_id for e in groups["circle.CIR-J"].members()] == ["cp", "dcp"]


def test_state_groups() -> None:
    groups = derive(TREE, MEMBERS)
    state = groups["state-crime"]
    assert [e.member_id for e in state.members()] == ["adg", "cp", "dcp", "home", "ig", "pro", "sp"]
    assert state.admins() == ["adg"]
    phq = groups["phq-crime-admin"]
    assert [e.member_id for e in phq.members()] == ["spc", "writer"] and phq.admins() == ["spc"]


def test_the_most_senior_posting_names_a_member_once() -> None:
    both = [m("x", (Role.CONSTABLE, "PS-1"), (Role.SHO, "PS-1"))]
    entries = derive(TREE, both)["circle.CIR-1"].members()
    assert [(e.member_id, e.role) for e in entries] == [("x", Role.SHO)]
