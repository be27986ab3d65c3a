"""The group rules on a small tree, including a commissionerate and an additional charge."""

from __future__ import annotations

from pathlib import Path

import roster
from nazar_contracts.vocabulary import CRIME_BRANCH, Role, UnitKind
from roster.domain.groups import MemberRef, PostingRef, Unit, derive

K = UnitKind
TREE = {
    u.unit_id: u
    for u in [
        Unit("PHQ", K.STATE, ("PHQ",)),
        Unit("BR-CRIME", K.BRANCH, ("PHQ", "BR-CRIME")),
        Unit("BR-LAW-AND-ORDER", K.BRANCH, ("PHQ", "BR-LAW-AND-ORDER")),
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
    m("adg", (Role.ADG, "BR-CRIME")),  # ADG Crime
    m("adg-phq", (Role.ADG, "PHQ")),
    m("adg-lo", (Role.ADG, "BR-LAW-AND-ORDER")),
    m("home", (Role.HOME_SECRETARY, "PHQ")),
    m("jsh", (Role.JOINT_SECRETARY_HOME, "PHQ")),
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
    # Exactly as issue 16 lists it: ADG Crime (admin), Home Secretary, Joint Secretary Home, the
    # PRO, every range IG and Commissioner, every SP and DCP; not the other ADGs.
    assert [e.member_id for e in state.members()] == [
        "adg", "cp", "dcp", "home", "ig", "jsh", "pro", "sp",
    ]  # fmt: skip
    assert state.admins() == ["adg"]
    assert state.entries["adg"].unit_id == CRIME_BRANCH
    phq = groups["phq-crime-admin"]
    assert [e.member_id for e in phq.members()] == ["spc", "writer"] and phq.admins() == ["spc"]


def test_the_most_senior_posting_names_a_member_once() -> None:
    both = [m("x", (Role.CONSTABLE, "PS-1"), (Role.SHO, "PS-1"))]
    entries = derive(TREE, both)["circle.CIR-1"].members()
    assert [(e.member_id, e.role) for e in entries] == [("x", Role.SHO)]


def test_adg_crime_is_a_posting_not_a_rank() -> None:
    # ADG Crime moved to PHQ itself is no longer the state group's admin, nor in it; the ADG now
    # posted at the crime branch is.
    moved = [
        m("a", (Role.ADG, "PHQ")),
        m("b", (Role.ADG, CRIME_BRANCH)),
        m("h", (Role.SP, "DST-B")),
    ]
    state = derive(TREE, moved)["state-crime"]
    assert [e.member_id for e in state.members()] == ["b", "h"] and state.admins() == ["b"]
    # An ADG with additional charge of the crime branch is in it through that posting.
    dual = [m("a", (Role.ADG, "BR-LAW-AND-ORDER"), (Role.ADG, CRIME_BRANCH))]
    assert derive(TREE, dual)["state-crime"].admins() == ["a"]
    # A closed crime branch heads nothing.
    closed = {**TREE, CRIME_BRANCH: Unit(CRIME_BRANCH, K.BRANCH, ("PHQ", CRIME_BRANCH), False)}
    assert derive(closed, [m("b", (Role.ADG, CRIME_BRANCH))])["state-crime"].members() == []


def test_the_sql_rules_name_the_same_crime_branch() -> None:
    # The set-based twin of `derive` (migration 004) spells the crime branch's id in SQL.
    migrations = Path(roster.__file__).parent / "migrations"
    sql = (migrations / "004_adg_crime.sql").read_text(encoding="utf-8")
    assert sql.count(f"p.unit_id = '{CRIME_BRANCH}'") == 2
