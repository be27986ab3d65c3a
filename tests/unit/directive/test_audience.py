"""Who receives a directive at issue; who is reachable; where a recipient is counted."""

from __future__ import annotations

from directive.domain.audience import (
    Member,
    Posting,
    issue_recipients,
    leaf_unit,
    role_filter_applies,
)
from nazar_contracts.vocabulary import CRIME_BRANCH

from tests.unit.directive import support as s


def m(
    mid: str, *postings: tuple[str, str], active: bool = True, consented: bool | None = None
) -> Member:
    return Member(mid, tuple(Posting(r, u) for r, u in postings), active, consented)


def test_issue_goes_to_state_officials_and_the_sps_and_igs_of_targeted_districts() -> None:
    members = [
        m("adg", ("adg", "RJ")),
        m("homesec", ("home_secretary", "RJ")),
        m("pro", ("police_pro", "RJ")),
        m("sp-bkn", ("sp", "DST-BIKANER")),
        m("sp-churu", ("sp", "DST-CHURU")),
        m("ig-bkn", ("ig", "RNG-BIKANER")),
        m("cp-jpr", ("ig", "CP-JAIPUR")),
        m("co-nokha", ("co", "CIR-NOKHA")),
        m("sp-gone", ("sp", "DST-BIKANER"), active=False),
    ]
    got = issue_recipients(members, {"DST-BIKANER": None}, s.tree(), issuer_id="adg")
    assert [x.id for x in got] == ["homesec", "ig-bkn", "pro", "sp-bkn"]


def test_of_the_adgs_only_adg_crime_gets_every_directive_at_issue() -> None:
    # As the roster's state group: ADG Crime (posted at the crime branch), not any ADG.
    members = [
        m("adg-crime", ("adg", CRIME_BRANCH)),
        m("adg-phq", ("adg", "RJ")),
        m("adg-lo", ("adg", "BR-LAW-AND-ORDER")),
        m("jsh", ("joint_secretary_home", "RJ")),
    ]
    got = issue_recipients(members, {"DST-BIKANER": None}, s.tree(), issuer_id="jsh")
    assert [x.id for x in got] == ["adg-crime"]


def test_consent_applies_to_volunteers_only() -> None:
    assert m("c", ("constable", "PS-NOKHA")).reachable
    assert m("v", ("gram_rakshak", "PS-NOKHA"), consented=True).reachable
    assert not m("v", ("gram_rakshak", "PS-NOKHA"), consented=False).reachable
    assert not m("v", ("police_mitra", "PS-NOKHA"), consented=None).reachable
    assert not m("x", ("constable", "PS-NOKHA"), active=False).reachable


def test_a_role_filter_keeps_the_chain_of_command() -> None:
    wanted = ["gram_rakshak"]
    assert role_filter_applies(["gram_rakshak"], wanted)
    assert not role_filter_applies(["constable"], wanted)
    assert role_filter_applies(["co"], wanted) and role_filter_applies(["sp"], wanted)
    assert role_filter_applies(["constable"], None)


def test_recipients_are_counted_under_their_posting_inside_the_relayed_circle() -> None:
    t = s.tree()
    two = (Posting("sho", "PS-KOLAYAT"), Posting("sho", "PS-JASRASAR"))
    assert leaf_unit(two, t, within="CIR-NOKHA") == "PS-JASRASAR"
    assert leaf_unit(two, t, within=None) == "PS-KOLAYAT"
    assert leaf_unit((Posting("sp", "DST-BIKANER"),), t, within="CIR-NOKHA") == "DST-BIKANER"
