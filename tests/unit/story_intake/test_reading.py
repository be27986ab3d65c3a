"""Who opens a story in the moderation console (`chain.may_read`, pure)."""

from __future__ import annotations

from dataclasses import replace

from nazar_contracts.vocabulary import Role
from story_intake.domain import chain
from story_intake.domain.chain import Actor, Decision, State

from tests.unit.story_intake.test_chain import (
    ADG,
    AUTHOR,
    CO,
    NOW,
    OTHER_CO,
    OTHER_SP,
    SP,
    WRITER,
    submitted,
)

AUTHOR_ACTOR = Actor(AUTHOR, Role.CONSTABLE, "PS-TIJARA")


def test_at_the_circle_only_the_author_and_the_co_of_the_circle_read_it() -> None:
    story = submitted()
    assert chain.may_read([AUTHOR_ACTOR], story)
    assert chain.may_read([CO], story)
    for other in (OTHER_CO, SP, OTHER_SP, WRITER, ADG):
        assert not chain.may_read([other], story), other


def test_reviewers_keep_reading_what_they_passed_up_and_the_next_level_reads_it() -> None:
    story = chain.decide(submitted(), CO, Decision.FORWARD, NOW)
    assert chain.may_read([CO], story) and chain.may_read([SP], story)
    assert not chain.may_read([OTHER_SP], story) and not chain.may_read([WRITER], story)
    story = chain.decide(story, SP, Decision.FORWARD, NOW)
    assert all(chain.may_read([a], story) for a in (CO, SP, WRITER, ADG))
    assert not chain.may_read([OTHER_CO], story)


def test_a_story_sent_back_is_read_by_the_step_that_sent_it() -> None:
    story = chain.decide(submitted(), CO, Decision.SEND_BACK, NOW, text="फ़ोटो जोड़ें")
    assert story.state is State.SENT_BACK
    assert chain.may_read([CO], story) and not chain.may_read([SP], story)


def test_a_draft_is_the_authors_alone() -> None:
    draft = replace(submitted(), state=State.DRAFT, level=None)
    assert chain.may_read([AUTHOR_ACTOR], draft)
    assert not chain.may_read([CO], draft) and not chain.may_read([ADG], draft)
