"""The moderation chain's rules (pure): levels, who acts where, claims, the author's part."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from nazar_contracts.stories import ReviewLevel
from nazar_contracts.vocabulary import Role
from nazar_platform.auth.access import ACCESS, Action, Scope
from story_intake.domain import chain
from story_intake.domain.chain import Actor, ChainRefusalError, Decision, Place, State, Story

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
LAPSE = timedelta(minutes=30)
TIJARA = Place("PS-TIJARA", "CIR-TIJARA", "DST-KHAIRTHAL-TIJARA")
AUTHOR = "mbr-author"
CO = Actor("mbr-co", Role.CO, "CIR-TIJARA")
OTHER_CO = Actor("mbr-co2", Role.CO, "CIR-KISHANGARH-BAS")
SP = Actor("mbr-sp", Role.SP, "DST-KHAIRTHAL-TIJARA")
OTHER_SP = Actor("mbr-sp2", Role.SP, "DST-ALWAR")
WRITER = Actor("mbr-writer", Role.CONTENT_WRITER, "STATE-RJ")
APPROVER = Actor("mbr-sp-phq", Role.SP_PHQ_CRIME, "STATE-RJ")
ADG = Actor("mbr-adg", Role.ADG, "STATE-RJ")


def draft(role: Role = Role.CONSTABLE, place: Place = TIJARA) -> Story:
    return Story("story-1", AUTHOR, role, place, State.DRAFT, None, AUTHOR)


def submitted(role: Role = Role.CONSTABLE) -> Story:
    return chain.submit(draft(role), AUTHOR)


def refused(code: str) -> pytest.RaisesExc[ChainRefusalError]:
    return pytest.raises(ChainRefusalError, match=rf"^{code}$")


def test_phq_roles_agree_with_the_access_table() -> None:
    moderate = {r for r, acts in ACCESS.items() if acts.get(Action.STORY_MODERATE) is Scope.STATE}
    approve = {r for r, acts in ACCESS.items() if Action.STORY_APPROVE in acts}
    assert moderate == chain.PHQ_REVIEWERS
    assert approve == chain.APPROVERS


@pytest.mark.parametrize(
    ("role", "level"),
    [
        (Role.CONSTABLE, ReviewLevel.CIRCLE),
        (Role.SHO, ReviewLevel.CIRCLE),
        (Role.CLG_MEMBER, ReviewLevel.CIRCLE),
        (Role.CO, ReviewLevel.DISTRICT),
        (Role.SP, ReviewLevel.PHQ),
    ],
)
def test_a_story_starts_above_its_author(role: Role, level: ReviewLevel) -> None:
    story = submitted(role)
    assert (story.state, story.level) == (State.IN_REVIEW, level)


def test_a_member_posted_above_circles_starts_at_the_district() -> None:
    story = chain.submit(
        draft(place=Place("DST-KHAIRTHAL-TIJARA", None, "DST-KHAIRTHAL-TIJARA")), AUTHOR
    )
    assert story.level is ReviewLevel.DISTRICT


def test_the_whole_chain_to_approval() -> None:
    story = chain.decide(submitted(), CO, Decision.FORWARD, NOW)
    assert story.level is ReviewLevel.DISTRICT
    story = chain.decide(story, SP, Decision.FORWARD, NOW)
    assert story.level is ReviewLevel.PHQ
    story = chain.decide(story, APPROVER, Decision.APPROVE, NOW)
    assert (story.state, story.level) == (State.APPROVED, None)


def test_each_level_acts_only_on_its_own_queue() -> None:
    story = submitted()
    for outsider in (OTHER_CO, SP, WRITER, APPROVER):
        with refused("story.not_your_queue"):
            chain.decide(story, outsider, Decision.FORWARD, NOW)
    at_district = chain.decide(story, CO, Decision.FORWARD, NOW)
    for outsider in (CO, OTHER_SP):
        with refused("story.not_your_queue"):
            chain.decide(at_district, outsider, Decision.FORWARD, NOW)


def test_no_one_acts_on_their_own_story() -> None:
    story = submitted(Role.CO)
    own = Actor(AUTHOR, Role.SP, "DST-KHAIRTHAL-TIJARA")  # an additional charge as SP
    with refused("story.own_story"):
        chain.decide(story, own, Decision.FORWARD, NOW)
    with refused("story.own_story"):
        chain.claim(story, own, NOW, LAPSE)


def test_the_last_editor_cannot_approve() -> None:
    at_phq = replace(submitted(Role.SP), last_editor_id=APPROVER.member_id)
    with refused("story.own_edit"):
        chain.decide(at_phq, APPROVER, Decision.APPROVE, NOW)
    assert chain.decide(at_phq, ADG, Decision.APPROVE, NOW).state is State.APPROVED


def test_only_the_approvers_approve_and_only_at_phq() -> None:
    with refused("story.not_approver"):
        chain.decide(submitted(Role.SP), WRITER, Decision.APPROVE, NOW)
    with refused("story.approve_at_phq"):
        chain.decide(submitted(), CO, Decision.APPROVE, NOW)
    with refused("story.no_next_level"):
        chain.decide(submitted(Role.SP), APPROVER, Decision.FORWARD, NOW)


def test_sent_back_returns_to_the_same_step() -> None:
    at_district = chain.decide(submitted(), CO, Decision.FORWARD, NOW)
    with refused("story.note_required"):
        chain.decide(at_district, SP, Decision.SEND_BACK, NOW, text="  ")
    back = chain.decide(at_district, SP, Decision.SEND_BACK, NOW, text="फोटो साफ लगाएं")
    assert (back.state, back.level) == (State.SENT_BACK, ReviewLevel.DISTRICT)
    with refused("story.not_in_review"):
        chain.decide(back, SP, Decision.FORWARD, NOW)
    again = chain.submit(chain.edit(back, AUTHOR), AUTHOR)
    assert (again.state, again.level) == (State.IN_REVIEW, ReviewLevel.DISTRICT)


def test_reject_needs_a_reason_and_ends_the_story() -> None:
    with refused("story.reason_required"):
        chain.decide(submitted(), CO, Decision.REJECT, NOW)
    rejected = chain.decide(submitted(), CO, Decision.REJECT, NOW, text="पुरानी खबर")
    assert rejected.state is State.REJECTED
    with refused("story.closed"):
        chain.withdraw(rejected, AUTHOR)
    with refused("story.not_editable"):
        chain.edit(rejected, AUTHOR)


def test_the_author_withdraws_until_approved() -> None:
    assert chain.withdraw(draft(), AUTHOR).state is State.WITHDRAWN
    assert chain.withdraw(submitted(), AUTHOR).state is State.WITHDRAWN
    approved = chain.decide(submitted(Role.SP), APPROVER, Decision.APPROVE, NOW)
    with refused("story.already_approved"):
        chain.withdraw(approved, AUTHOR)
    with refused("story.not_author"):
        chain.withdraw(submitted(), CO.member_id)


def test_only_drafts_and_sent_back_stories_are_edited_or_submitted() -> None:
    with refused("story.not_editable"):
        chain.edit(submitted(), AUTHOR)
    with refused("story.not_submittable"):
        chain.submit(submitted(), AUTHOR)
    with refused("story.not_author"):
        chain.edit(draft(), "mbr-someone")


def test_a_claim_shows_blocks_others_and_lapses() -> None:
    story, taken = chain.claim(submitted(Role.SP), WRITER, NOW, LAPSE)
    assert taken is None
    assert story.claim is not None and story.claim.member_id == WRITER.member_id
    other_writer = Actor("mbr-writer2", Role.CONTENT_WRITER, "STATE-RJ")
    with refused("story.claimed_by_other"):
        chain.claim(story, other_writer, NOW + timedelta(minutes=29), LAPSE)
    with refused("story.claimed_by_other"):
        chain.decide(story, APPROVER, Decision.APPROVE, NOW)
    later, taken = chain.claim(story, other_writer, NOW + LAPSE, LAPSE)
    assert taken is None and later.claim is not None
    assert later.claim.member_id == other_writer.member_id


def test_the_approver_and_the_sp_take_a_live_claim_over() -> None:
    story, _ = chain.claim(submitted(Role.SP), WRITER, NOW, LAPSE)
    story, taken = chain.claim(story, APPROVER, NOW, LAPSE)
    assert taken == WRITER.member_id
    assert chain.decide(story, APPROVER, Decision.APPROVE, NOW).state is State.APPROVED
    at_district = chain.decide(submitted(), CO, Decision.FORWARD, NOW)
    additional = Actor("mbr-asp", Role.SP, "DST-KHAIRTHAL-TIJARA")
    held, _ = chain.claim(at_district, additional, NOW, LAPSE)
    _, taken = chain.claim(held, SP, NOW, LAPSE)
    assert taken == additional.member_id


def test_a_decision_clears_the_claim() -> None:
    story, _ = chain.claim(submitted(), CO, NOW, LAPSE)
    assert chain.decide(story, CO, Decision.FORWARD, NOW).claim is None


def test_acting_as_picks_the_grant_for_the_step() -> None:
    at_phq = submitted(Role.SP)
    assert chain.acting_as([CO, WRITER, APPROVER], at_phq) == APPROVER
    assert chain.acting_as([CO, SP], submitted()) == CO
    assert chain.acting_as([OTHER_CO], submitted()) is None
