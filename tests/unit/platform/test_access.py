"""The access table and the unit-scope decision on a sample command tree."""

from __future__ import annotations

import pytest
from nazar_contracts.vocabulary import COMMUNITY_ROLES, CRIME_BRANCH, Role
from nazar_platform.auth.access import (
    ACCESS,
    POSTED_ACCESS,
    AccessDecision,
    Action,
    Scope,
    StaticMemberDirectory,
    StaticUnitDirectory,
    actions_of,
    check_role,
    decide,
    scope_units,
)
from nazar_platform.auth.tokens import Grant, Principal

# state → 2 ranges → districts → circles → stations, plus the Jaipur commissionerate.
TREE = StaticUnitDirectory(
    {
        "RJ": None,
        "BR-CRIME": "RJ",
        "BR-LAW-AND-ORDER": "RJ",
        "RNG-BIKANER": "RJ",
        "DST-BIKANER": "RNG-BIKANER",
        "CIR-BIKANER-CITY": "DST-BIKANER",
        "PS-KOTGATE": "CIR-BIKANER-CITY",
        "PS-SADAR": "CIR-BIKANER-CITY",
        "CIR-NOKHA": "DST-BIKANER",
        "PS-NOKHA": "CIR-NOKHA",
        "DST-CHURU": "RNG-BIKANER",
        "CIR-SARDARSHAHAR": "DST-CHURU",
        "PS-SARDARSHAHAR": "CIR-SARDARSHAHAR",
        "RNG-AJMER": "RJ",
        "DST-AJMER": "RNG-AJMER",
        "CIR-BEAWAR": "DST-AJMER",
        "PS-BEAWAR-CITY": "CIR-BEAWAR",
        "COM-JAIPUR": "RJ",
        "DST-JAIPUR-EAST": "COM-JAIPUR",
        "CIR-ADARSH-NAGAR": "DST-JAIPUR-EAST",
        "PS-ADARSH-NAGAR": "CIR-ADARSH-NAGAR",
    }
)
MEMBERS = StaticMemberDirectory(
    {
        "M-CONST-KOTGATE": ["PS-KOTGATE"],
        "M-GR-NOKHA": ["PS-NOKHA"],
        "M-CONST-CHURU": ["PS-SARDARSHAHAR"],
        "M-CONST-JAIPUR": ["PS-ADARSH-NAGAR"],
        # A constable attached to a second station in another district.
        "M-TWO-POSTINGS": ["PS-BEAWAR-CITY", "PS-NOKHA"],
    }
)


def who(member_id: str, *grants: str) -> Principal:
    return Principal(member_id, tuple(Grant.parse(g) for g in grants))


async def check(
    principal: Principal, action: Action, unit_id: str | None = None, member_id: str | None = None
) -> AccessDecision:
    return await decide(
        principal, action, unit_id=unit_id, member_id=member_id, units=TREE, members=MEMBERS
    )


SP_BIKANER = who("M-SP", "sp:DST-BIKANER")
SP_DUAL = who("M-SP", "sp:DST-BIKANER", "sp:DST-CHURU")  # additional charge of Churu
CO_CITY = who("M-CO", "co:CIR-BIKANER-CITY")
SHO_KOTGATE = who("M-SHO", "sho:PS-KOTGATE")
IG_BIKANER = who("M-IG", "ig:RNG-BIKANER")
COMMISSIONER = who("M-CP", "ig:COM-JAIPUR")
DCP_EAST = who("M-DCP", "sp:DST-JAIPUR-EAST")
ADG = who("M-ADG", "adg:BR-CRIME")  # ADG Crime
ADG_AT_PHQ = who("M-ADG-PHQ", "adg:RJ")
ADG_LAW_AND_ORDER = who("M-ADG-LO", "adg:BR-LAW-AND-ORDER")
CONSTABLE = who("M-CONST-KOTGATE", "constable:PS-KOTGATE")
GRAM_RAKSHAK = who("M-GR-NOKHA", "gram_rakshak:PS-NOKHA")
WRITER = who("M-CW", "content_writer:RJ")


async def test_sp_acts_within_the_district_only() -> None:
    inside = await check(SP_BIKANER, Action.ROSTER_READ, unit_id="PS-KOTGATE")
    assert inside.allowed and inside.reason == "within_subtree"
    assert inside.grant == Grant(Role.SP, "DST-BIKANER")
    for unit in ["PS-SARDARSHAHAR", "DST-CHURU", "RNG-BIKANER", "RJ", "PS-ADARSH-NAGAR"]:
        outside = await check(SP_BIKANER, Action.ROSTER_READ, unit_id=unit)
        assert not outside.allowed and outside.reason == "outside_scope" and outside.grant is None
    assert (await check(SP_BIKANER, Action.DIRECTIVE_RELAY, unit_id="DST-BIKANER")).allowed
    assert not (await check(SP_BIKANER, Action.DIRECTIVE_RELAY, unit_id="DST-CHURU")).allowed


async def test_additional_charge_reports_the_grant_that_allowed() -> None:
    churu = await check(SP_DUAL, Action.DIRECTIVE_RELAY, unit_id="CIR-SARDARSHAHAR")
    assert churu.allowed and churu.grant == Grant(Role.SP, "DST-CHURU")
    bikaner = await check(SP_DUAL, Action.DIRECTIVE_RELAY, unit_id="PS-NOKHA")
    assert bikaner.allowed and bikaner.grant == Grant(Role.SP, "DST-BIKANER")
    ajmer = await check(SP_DUAL, Action.DIRECTIVE_RELAY, unit_id="DST-AJMER")
    assert not ajmer.allowed and ajmer.reason == "outside_scope"
    member = await check(SP_DUAL, Action.ROSTER_WRITE, member_id="M-CONST-CHURU")
    assert member.allowed and member.grant == Grant(Role.SP, "DST-CHURU")


async def test_co_is_confined_to_the_circle() -> None:
    own = await check(CO_CITY, Action.DIRECTIVE_NOTE, unit_id="CIR-BIKANER-CITY")
    assert own.allowed
    assert (await check(CO_CITY, Action.ROSTER_READ, unit_id="PS-SADAR")).allowed
    assert (await check(CO_CITY, Action.STORY_MODERATE, unit_id="PS-KOTGATE")).allowed
    assert (await check(CO_CITY, Action.ALERT_RECEIVE, unit_id="PS-KOTGATE")).allowed
    sibling = await check(CO_CITY, Action.ROSTER_READ, unit_id="PS-NOKHA")
    assert not sibling.allowed and sibling.reason == "outside_scope"
    assert not (await check(CO_CITY, Action.DIRECTIVE_NOTE, unit_id="CIR-NOKHA")).allowed
    # Above the circle is outside it too.
    assert not (await check(CO_CITY, Action.DIRECTIVE_READ, unit_id="DST-BIKANER")).allowed
    relay = await check(CO_CITY, Action.DIRECTIVE_RELAY, unit_id="CIR-BIKANER-CITY")
    assert not relay.allowed and relay.reason == "role_lacks_action"


async def test_sho_reads_and_receives_alerts_in_the_station() -> None:
    assert (await check(SHO_KOTGATE, Action.ALERT_RECEIVE, unit_id="PS-KOTGATE")).allowed
    assert (await check(SHO_KOTGATE, Action.DIRECTIVE_READ, unit_id="PS-KOTGATE")).allowed
    assert not (await check(SHO_KOTGATE, Action.ALERT_RECEIVE, unit_id="PS-SADAR")).allowed
    for action in (Action.ROSTER_ERASE, Action.ROSTER_IMPORT, Action.STORY_MODERATE):
        decision = await check(SHO_KOTGATE, action, unit_id="PS-KOTGATE")
        assert decision.reason == "role_lacks_action"


async def test_ig_reads_the_range_and_the_commissionerate_works_alike() -> None:
    assert (await check(IG_BIKANER, Action.DIRECTIVE_READ, unit_id="PS-SARDARSHAHAR")).allowed
    assert (await check(IG_BIKANER, Action.ALERT_RECEIVE, unit_id="DST-CHURU")).allowed
    assert not (await check(IG_BIKANER, Action.DIRECTIVE_READ, unit_id="DST-AJMER")).allowed
    assert (await check(COMMISSIONER, Action.ROSTER_READ, unit_id="PS-ADARSH-NAGAR")).allowed
    assert (await check(DCP_EAST, Action.DIRECTIVE_RELAY, unit_id="DST-JAIPUR-EAST")).allowed
    assert not (await check(DCP_EAST, Action.DIRECTIVE_RELAY, unit_id="DST-BIKANER")).allowed
    assert not (await check(COMMISSIONER, Action.ROSTER_READ, unit_id="PS-KOTGATE")).allowed


async def test_hq_acts_state_wide_and_only_adg_crime_and_the_home_department_issue() -> None:
    anywhere = await check(ADG, Action.DIRECTIVE_ISSUE, unit_id="PS-BEAWAR-CITY")
    assert anywhere.allowed and anywhere.reason == "state_wide"
    assert anywhere.grant == Grant(Role.ADG, CRIME_BRANCH)
    assert (await check(ADG, Action.DIRECTIVE_ISSUE)).allowed
    assert check_role(ADG, Action.DIRECTIVE_ISSUE).allowed
    # Rank alone grants nothing: an ADG at PHQ or at another branch issues nothing state-wide,
    # yet still reads the state's roster and the audit like the rest of HQ.
    for other in (ADG_AT_PHQ, ADG_LAW_AND_ORDER):
        refused = await check(other, Action.DIRECTIVE_ISSUE, unit_id="RJ")
        assert not refused.allowed and refused.reason == "role_lacks_action"
        assert not check_role(other, Action.DIRECTIVE_ISSUE).allowed
        assert not scope_units(other, Action.DIRECTIVE_ISSUE).everywhere
        assert (await check(other, Action.ROSTER_READ, unit_id="PS-NOKHA")).allowed
        assert (await check(other, Action.AUDIT_READ)).allowed
    # ADG Crime holding an additional charge elsewhere still issues, through the crime branch.
    dual = who("M-ADG", "adg:RJ", "adg:BR-CRIME")
    assert (await check(dual, Action.DIRECTIVE_ISSUE)).grant == Grant(Role.ADG, CRIME_BRANCH)
    for role in ("home_secretary", "joint_secretary_home"):
        assert (await check(who("M-H", f"{role}:RJ"), Action.DIRECTIVE_ISSUE, unit_id="RJ")).allowed
    for grant in ("sp_phq_crime:RJ", "sp:DST-BIKANER", "ig:RNG-BIKANER", "police_pro:RJ"):
        issued = await check(who("M-X", grant), Action.DIRECTIVE_ISSUE, unit_id="DST-BIKANER")
        assert issued.reason == "role_lacks_action"
    assert (await check(ADG, Action.AUDIT_READ)).allowed
    assert not (await check(SP_BIKANER, Action.AUDIT_READ, unit_id="DST-BIKANER")).allowed


async def test_field_members_act_on_themselves_only() -> None:
    inbox = await check(CONSTABLE, Action.INBOX_READ)
    assert inbox.allowed and inbox.reason == "self"
    assert inbox.grant == Grant(Role.CONSTABLE, "PS-KOTGATE")
    assert (await check(CONSTABLE, Action.ROSTER_READ, member_id="M-CONST-KOTGATE")).allowed
    ack = await check(CONSTABLE, Action.DIRECTIVE_ACKNOWLEDGE, member_id=CONSTABLE.member_id)
    assert ack.allowed
    other = await check(CONSTABLE, Action.ROSTER_READ, member_id="M-GR-NOKHA")
    assert not other.allowed and other.reason == "outside_scope"
    own_station = await check(CONSTABLE, Action.ROSTER_READ, unit_id="PS-KOTGATE")
    assert not own_station.allowed and own_station.reason == "outside_scope"
    assert (await check(GRAM_RAKSHAK, Action.ALERT_RAISE)).allowed
    assert (await check(GRAM_RAKSHAK, Action.STORY_SUBMIT)).allowed
    assert (await check(GRAM_RAKSHAK, Action.ROSTER_CONSENT, member_id="M-GR-NOKHA")).allowed
    assert not (await check(CONSTABLE, Action.ROSTER_CONSENT)).allowed  # volunteers only
    assert not (await check(GRAM_RAKSHAK, Action.ALERT_RECEIVE, unit_id="PS-NOKHA")).allowed


async def test_the_cell_works_on_stories_never_on_the_roster() -> None:
    for action in [a for a in Action if a.startswith("roster.")]:
        decision = await check(WRITER, action, unit_id="RJ")
        assert not decision.allowed and decision.reason == "role_lacks_action"
    assert (await check(WRITER, Action.STORY_EDIT, unit_id="PS-NOKHA")).allowed
    assert (await check(who("M-G", "graphics_designer:RJ"), Action.STORY_EDIT)).allowed
    assert (await check(who("M-P", "police_pro:RJ"), Action.PUBLISH_MANAGE)).allowed
    assert not (await check(WRITER, Action.STORY_APPROVE)).allowed
    assert (await check(who("M-S", "sp_phq_crime:RJ"), Action.STORY_APPROVE)).allowed


async def test_member_targets_follow_the_members_postings() -> None:
    assert (await check(SP_BIKANER, Action.ROSTER_WRITE, member_id="M-CONST-KOTGATE")).allowed
    assert not (await check(SP_BIKANER, Action.ROSTER_WRITE, member_id="M-CONST-CHURU")).allowed
    # Posted at Nokha (Bikaner) and Beawar (Ajmer): one posting in the subtree is enough.
    assert (await check(SP_BIKANER, Action.ROSTER_READ, member_id="M-TWO-POSTINGS")).allowed
    sp_ajmer = who("M-SP2", "sp:DST-AJMER")
    assert (await check(sp_ajmer, Action.ROSTER_READ, member_id="M-TWO-POSTINGS")).allowed
    assert not (await check(CO_CITY, Action.ROSTER_READ, member_id="M-TWO-POSTINGS")).allowed
    unknown = await check(SP_BIKANER, Action.ROSTER_READ, member_id="M-NOBODY")
    assert not unknown.allowed and unknown.reason == "outside_scope"
    with pytest.raises(ValueError, match="MemberDirectory"):
        await decide(SP_BIKANER, Action.ROSTER_READ, member_id="M-CONST-KOTGATE", units=TREE)


async def test_unit_and_member_together_must_both_be_in_scope() -> None:
    # Moving a Bikaner constable to a Churu station: one grant must cover both.
    move = await check(SP_BIKANER, Action.ROSTER_WRITE, "PS-SARDARSHAHAR", "M-CONST-KOTGATE")
    assert not move.allowed
    within = await check(SP_BIKANER, Action.ROSTER_WRITE, "PS-NOKHA", "M-CONST-KOTGATE")
    assert within.allowed and within.unit_id == "PS-NOKHA"
    assert within.member_id == "M-CONST-KOTGATE"


async def test_unknown_units_and_missing_targets() -> None:
    unknown = await check(SP_BIKANER, Action.ROSTER_READ, unit_id="PS-ATLANTIS")
    assert not unknown.allowed and unknown.reason == "unknown_unit"
    untargeted = await check(SP_BIKANER, Action.ROSTER_READ)
    assert not untargeted.allowed and untargeted.reason == "target_required"
    # A dangling or cyclic tree places nothing.
    broken = StaticUnitDirectory({"A": "B", "B": "A", "C": "GONE"})
    assert await broken.path("A") is None and await broken.path("C") is None


def test_scope_units_for_list_endpoints() -> None:
    dual = scope_units(SP_DUAL, Action.ROSTER_READ)
    assert dual.unit_ids == {"DST-BIKANER", "DST-CHURU"} and not dual.everywhere
    assert dual.member_id is None
    assert dual.covers(unit_path=["RJ", "RNG-BIKANER", "DST-CHURU", "CIR-SARDARSHAHAR"])
    assert not dual.covers(unit_path=["RJ", "RNG-AJMER", "DST-AJMER"])

    own = scope_units(CONSTABLE, Action.ROSTER_READ)
    assert own.unit_ids == frozenset() and own.member_id == "M-CONST-KOTGATE"
    assert own.covers(member_id="M-CONST-KOTGATE")
    assert not own.covers(unit_path=["RJ", "RNG-BIKANER", "DST-BIKANER"], member_id="M-GR-NOKHA")

    assert scope_units(ADG, Action.ROSTER_READ).everywhere
    assert scope_units(WRITER, Action.ROSTER_READ).nothing
    assert not scope_units(WRITER, Action.ROSTER_READ).covers(unit_path=["RJ"])
    inbox = scope_units(SP_BIKANER, Action.INBOX_READ)
    assert inbox.member_id == "M-SP" and not inbox.unit_ids


def test_the_table_covers_every_role_and_keeps_its_promises() -> None:
    assert set(ACCESS) == set(Role)
    issuers = {r for r, acts in ACCESS.items() if Action.DIRECTIVE_ISSUE in acts}
    assert issuers == {Role.HOME_SECRETARY, Role.JOINT_SECRETARY_HOME}
    # ADG Crime is the only posting that adds to its role, and only the issuing grant.
    assert {k: dict(v) for k, v in POSTED_ACCESS.items()} == {
        (Role.ADG, CRIME_BRANCH): {Action.DIRECTIVE_ISSUE: Scope.STATE}
    }
    assert Action.DIRECTIVE_ISSUE in actions_of(Role.ADG, CRIME_BRANCH)
    assert Action.DIRECTIVE_ISSUE not in actions_of(Role.ADG, "PHQ")
    auditors = {r for r, acts in ACCESS.items() if Action.AUDIT_READ in acts}
    assert auditors == {Role.ADG, Role.HOME_SECRETARY, Role.JOINT_SECRETARY_HOME, Role.SP_PHQ_CRIME}
    cell = {Role.CONTENT_WRITER, Role.GRAPHICS_DESIGNER, Role.POLICE_PRO}
    for role in cell:
        assert not [a for a in ACCESS[role] if a.startswith("roster.")]
    field = COMMUNITY_ROLES | {
        Role.CONSTABLE,
        Role.HEAD_CONSTABLE,
        Role.ASI,
        Role.SI,
        Role.INSPECTOR,
    }
    for role in field:
        assert set(ACCESS[role].values()) == {Scope.SELF}, role
    # A lost passkey: the district's SP resets its members', HQ anyone's (issue 16 item 3).
    resetters = {
        r: acts[Action.PASSKEY_RESET] for r, acts in ACCESS.items() if Action.PASSKEY_RESET in acts
    }
    assert resetters == {
        Role.SP: Scope.SUBTREE,
        Role.ADG: Scope.STATE,
        Role.HOME_SECRETARY: Scope.STATE,
        Role.JOINT_SECRETARY_HOME: Scope.STATE,
        Role.SP_PHQ_CRIME: Scope.STATE,
    }
    erasers = {r for r, acts in ACCESS.items() if Action.ROSTER_ERASE in acts}
    assert erasers == {
        Role.SP,
        Role.IG,
        Role.ADG,
        Role.HOME_SECRETARY,
        Role.JOINT_SECRETARY_HOME,
        Role.SP_PHQ_CRIME,
    }


async def test_anyone_may_put_a_text_of_their_own_through_the_gate() -> None:
    # The gate reads only the text sent and keeps nothing: every role may check and redact.
    for role in Role:
        principal = who(f"M-{role.value}", f"{role.value}:RJ")
        for action in (Action.GATE_CHECK, Action.GATE_REDACT):
            decision = await check(principal, action)
            assert decision.allowed and decision.reason == "self", (role, action)


async def test_a_lost_passkey_is_reset_by_the_districts_sp_or_by_hq() -> None:
    action = Action.PASSKEY_RESET
    assert (await check(SP_BIKANER, action, member_id="M-CONST-KOTGATE")).allowed
    assert not (await check(SP_BIKANER, action, member_id="M-CONST-CHURU")).allowed
    hq = await check(ADG, action, member_id="M-CONST-CHURU")
    assert hq.allowed and hq.reason == "state_wide"
    for grant in ("co:CIR-BIKANER-CITY", "ig:RNG-BIKANER", "constable:PS-KOTGATE"):
        refused = await check(who("M-X", grant), action, member_id="M-CONST-KOTGATE")
        assert not refused.allowed and refused.reason == "role_lacks_action", grant
