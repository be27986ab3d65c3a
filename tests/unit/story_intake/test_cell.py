"""The PHQ cell's pure rules: channel limits as each network counts them, the diff, who writes
and acknowledges, and what approval requires."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nazar_contracts.stories import CirculationScope, PublicChannel, ReviewLevel
from nazar_contracts.vocabulary import Role
from story_intake.api.problems import codes, register_all
from story_intake.domain import cell, chain, channels
from story_intake.domain.cell import Approval, ApprovalRefusedError, PartFinding, VersionFacts
from story_intake.domain.chain import Actor, ChainRefusalError, Claim, Place, State, Story
from story_intake.domain.channels import (
    Channel,
    ShapeError,
    VersionText,
    check_shape,
    hashtags,
    measure,
    x_length,
)
from story_intake.domain.diff import Image, diff_images, diff_parts

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
AUTHOR = "mbr-author"
WRITER = Actor("mbr-writer", Role.CONTENT_WRITER, "RJ")
PRO = Actor("mbr-pro", Role.POLICE_PRO, "RJ")
DESIGNER = Actor("mbr-designer", Role.GRAPHICS_DESIGNER, "RJ")
APPROVER = Actor("mbr-sp-phq", Role.SP_PHQ_CRIME, "RJ")
ADG = Actor("mbr-adg", Role.ADG, "RJ")
PLACE = Place("PS-TIJARA", "CIR-TIJARA", "DST-KT")
AT_PHQ = Story("s-1", AUTHOR, Role.CONSTABLE, PLACE, State.IN_REVIEW, ReviewLevel.PHQ, AUTHOR)


def refused(code: str) -> pytest.RaisesExc[ChainRefusalError]:
    return pytest.raises(ChainRefusalError, match=rf"^{code}$")


# --- channels ------------------------------------------------------------------------------


def test_x_counts_devanagari_one_per_code_point_urls_23_and_emoji_2() -> None:
    hindi = "तिजारा पुलिस ने गिरोह पकड़ा"
    assert x_length(hindi) == len(hindi)  # every code point, matras and nukta included
    assert x_length("देखें https://police.rajasthan.gov.in/news/2026/12/03/tijara-gang") == 6 + 23
    assert x_length("शाबाश 👏") == 6 + 2
    assert x_length("👨‍👩‍👧") == 2  # one emoji, however many code points it is joined from


def test_x_is_over_its_limit_by_the_weighted_count() -> None:
    fits = measure(Channel.X, VersionText(text="क" * 280), 5)
    over = measure(Channel.X, VersionText(text="क" * 279 + "😀"), 5)
    assert (fits.length, fits.too_long) == (280, False)
    assert (over.length, over.limit, over.too_long) == (281, 280, True)


def test_instagram_caption_and_hashtag_limits() -> None:
    tags = " ".join(f"#टैग{i}" for i in range(6))
    m = measure(Channel.INSTAGRAM, VersionText(text="राजस्थान पुलिस " + tags), 5)
    assert (m.hashtags, m.hashtag_limit, m.too_many_hashtags) == (6, 5, True)
    long = measure(Channel.INSTAGRAM, VersionText(text="अ" * 2_201), 5)
    assert (long.limit, long.too_long) == (2_200, True)
    assert hashtags("#पुलिस_मित्र और #RajasthanPolice, not a#tag") == 2


def test_facebook_limit_and_the_circulation_has_none() -> None:
    assert measure(Channel.FACEBOOK, VersionText(text="a" * 63_207), 5).too_long
    assert not measure(Channel.FACEBOOK, VersionText(text="a" * 63_206), 5).too_long
    circ = measure(Channel.CIRCULATION, VersionText(title_hi="शीर्षक", body_hi="अ" * 90_000), 5)
    assert (circ.limit, circ.too_long) == (None, False)


def test_a_version_fits_its_channel() -> None:
    check_shape(Channel.X, VersionText(text="पाठ"))
    check_shape(Channel.CIRCULATION, VersionText(title_en="Title", body_hi="पाठ"))
    for channel, text, code in (
        (Channel.X, VersionText(title_hi="शीर्षक", body_hi="पाठ"), "story.channel_shape"),
        (Channel.X, VersionText(), "story.channel_shape"),
        (Channel.CIRCULATION, VersionText(text="पाठ"), "story.circulation_shape"),
        (Channel.CIRCULATION, VersionText(title_hi="शीर्षक"), "story.circulation_shape"),
    ):
        with pytest.raises(ShapeError) as caught:
            check_shape(channel, text)
        assert caught.value.code == code


def test_the_diff_gives_word_operations_that_rebuild_the_new_text() -> None:
    before = {"text": "पीड़िता सुनीता के गांव रामपुरा में आरोपी गिरफ़्तार"}
    after = {"text": "पीड़िता [हटाया गया] के गांव [हटाया गया] में आरोपी गिरफ़्तार"}
    (part,) = diff_parts(before, after)
    assert part.changed
    assert "".join(op.after for op in part.ops) == after["text"]
    assert "".join(op.before for op in part.ops) == before["text"]
    assert {op.before for op in part.ops if op.op == "replace"} == {"सुनीता", "रामपुरा"}
    assert part.unified[0].startswith("--- text")
    same = diff_parts(after, after)[0]
    assert not same.changed and all(op.op == "equal" for op in same.ops)


def test_a_part_only_one_side_has_is_in_the_diff() -> None:
    parts = diff_parts({"title_hi": "शीर्षक"}, {"title_hi": "शीर्षक", "title_en": "Title"})
    assert [(p.part, p.changed) for p in parts] == [("title_hi", False), ("title_en", True)]


# --- who writes, acknowledges, marks -------------------------------------------------------


def test_the_cell_writes_versions_at_phq_only_and_never_on_its_own_story() -> None:
    assert cell.writer([WRITER], AT_PHQ, NOW) == WRITER
    assert cell.writer([DESIGNER, PRO], AT_PHQ, NOW) == PRO
    with refused("story.not_writer"):
        cell.writer([DESIGNER, ADG], AT_PHQ, NOW)
    with refused("story.not_at_phq"):
        cell.writer([WRITER], replace(AT_PHQ, level=ReviewLevel.DISTRICT), NOW)
    with refused("story.own_story"):
        cell.writer([Actor(AUTHOR, Role.CONTENT_WRITER, "RJ")], AT_PHQ, NOW)


def test_another_writers_live_claim_holds_the_story() -> None:
    held = Claim(PRO.member_id, PRO.role, NOW, NOW + timedelta(minutes=30))
    claimed = replace(AT_PHQ, claim=held)
    with refused("story.claimed_by_other"):
        cell.writer([WRITER], claimed, NOW)
    assert cell.writer([PRO], claimed, NOW) == PRO
    assert cell.writer([WRITER], claimed, NOW + timedelta(minutes=31)) == WRITER


def test_only_an_approver_acknowledges_and_only_review_findings_with_a_reason() -> None:
    with refused("story.not_approver"):
        cell.approver([WRITER], AT_PHQ)
    assert cell.approver([WRITER, ADG], AT_PHQ) == ADG
    facts = _facts(Channel.X, findings=(_finding("accused_named"), _finding("victim_name")))
    assert cell.acknowledgeable(facts, 0).rule == "accused_named"
    with refused("story.block_not_acknowledgeable"):
        cell.acknowledgeable(facts, 1)
    with refused("story.no_such_finding"):
        cell.acknowledgeable(facts, 2)
    with refused("story.reason_required"):
        cell.need_reason("  ")


def test_any_reviewer_of_the_step_sets_a_mark_but_not_on_their_own_story() -> None:
    assert cell.marker([WRITER], AT_PHQ) == WRITER
    with refused("story.not_your_queue"):
        cell.marker([Actor("mbr-co", Role.CO, "CIR-TIJARA")], AT_PHQ)
    with refused("story.own_story"):
        cell.marker([Actor(AUTHOR, Role.ADG, "RJ")], AT_PHQ)


# --- approval --------------------------------------------------------------------------------


def _finding(rule: str, part: str = "text") -> PartFinding:
    return PartFinding(part, rule, 0, 4, "नाम")


def _facts(
    channel: Channel,
    *,
    author: str = WRITER.member_id,
    findings: tuple[PartFinding, ...] = (),
    acknowledged: frozenset[int] = frozenset(),
    text: str = "तिजारा पुलिस की सराहनीय कार्रवाई",
) -> VersionFacts:
    vt = (
        VersionText(title_hi="शीर्षक", body_hi=text)
        if channel is Channel.CIRCULATION
        else VersionText(text=text)
    )
    return VersionFacts(channel, 1, author, findings, acknowledged, measure(channel, vt, 5))


def _approval(
    scope: CirculationScope = CirculationScope.DISTRICT,
    public: tuple[PublicChannel, ...] = (),
    **facts: VersionFacts,
) -> Approval:
    versions = {Channel.CIRCULATION: _facts(Channel.CIRCULATION)}
    versions.update({Channel(k): v for k, v in facts.items()})
    return Approval(scope, public, versions)


def refused_with(code: str, **params: object) -> pytest.RaisesExc[ApprovalRefusedError]:
    def check(exc: ApprovalRefusedError) -> bool:
        return exc.code == code and all(exc.params[k] == v for k, v in params.items())

    return pytest.raises(ApprovalRefusedError, check=check)


def test_an_approval_with_clean_versions_approves() -> None:
    approval = _approval(public=(PublicChannel.X,), x=_facts(Channel.X))
    after = cell.approve(AT_PHQ, APPROVER, approval, NOW)
    assert (after.state, after.level) == (State.APPROVED, None)


def test_a_block_finding_refuses_public_and_circulation_beyond_the_admin_group() -> None:
    blocked = _facts(Channel.CIRCULATION, findings=(_finding("victim_address", "body_hi"),))
    for scope in (CirculationScope.DISTRICT, CirculationScope.RANGE, CirculationScope.STATE):
        with refused_with("story.block_remains", channel="circulation", rule="victim_address"):
            cell.approve(AT_PHQ, APPROVER, _approval(scope, circulation=blocked), NOW)
    # The PHQ crime admin group alone may read it as it is.
    cell.approve(AT_PHQ, APPROVER, _approval(CirculationScope.PHQ_ADMIN, circulation=blocked), NOW)
    x_blocked = _facts(Channel.X, findings=(_finding("victim_name"),))
    with refused_with("story.block_remains", channel="x", version=1):
        cell.approve(
            AT_PHQ,
            APPROVER,
            _approval(CirculationScope.PHQ_ADMIN, (PublicChannel.X,), x=x_blocked),
            NOW,
        )


def test_every_review_finding_needs_an_acknowledgement() -> None:
    pending = _facts(Channel.FACEBOOK, findings=(_finding("accused_named"), _finding("phone")))
    public = (PublicChannel.FACEBOOK,)
    with refused_with("story.block_remains", channel="facebook", rule="phone"):  # block first
        cell.approve(AT_PHQ, APPROVER, _approval(public=public, facebook=pending), NOW)
    only_review = _facts(Channel.FACEBOOK, findings=(_finding("accused_named"),))
    acked = _facts(Channel.FACEBOOK, findings=only_review.findings, acknowledged=frozenset({0}))
    with refused_with("story.review_unacknowledged"):
        cell.approve(AT_PHQ, APPROVER, _approval(public=public, facebook=only_review), NOW)
    cell.approve(AT_PHQ, APPROVER, _approval(public=public, facebook=acked), NOW)


def test_every_channel_named_needs_a_version_the_approver_did_not_write() -> None:
    with refused_with("story.no_version", channel="instagram"):
        cell.approve(AT_PHQ, APPROVER, _approval(public=(PublicChannel.INSTAGRAM,)), NOW)
    with refused_with("story.no_version", channel="circulation"):
        cell.approve(AT_PHQ, APPROVER, Approval(CirculationScope.PHQ_ADMIN, ()), NOW)
    own = _facts(Channel.X, author=APPROVER.member_id)
    with refused_with("story.own_version", channel="x"):
        cell.approve(AT_PHQ, APPROVER, _approval(public=(PublicChannel.X,), x=own), NOW)
    cell.approve(AT_PHQ, ADG, _approval(public=(PublicChannel.X,), x=own), NOW)


def test_an_over_long_text_is_refused_with_its_counted_length() -> None:
    long_x = _facts(Channel.X, text="क" * 300)
    with refused_with("story.too_long", channel="x", length=300, limit=280):
        cell.approve(AT_PHQ, APPROVER, _approval(public=(PublicChannel.X,), x=long_x), NOW)
    tags = _facts(Channel.INSTAGRAM, text=" ".join(f"#t{i}" for i in range(7)))
    with refused_with("story.too_many_hashtags", count=7, limit=5):
        cell.approve(
            AT_PHQ, APPROVER, _approval(public=(PublicChannel.INSTAGRAM,), instagram=tags), NOW
        )


def test_approval_keeps_the_chains_rules() -> None:
    with refused("story.not_approver"):
        cell.approve(AT_PHQ, WRITER, _approval(), NOW)
    with refused("story.own_edit"):
        edited = replace(AT_PHQ, last_editor_id=APPROVER.member_id)
        cell.approve(edited, APPROVER, _approval(), NOW)
    approved = chain.decide(AT_PHQ, APPROVER, chain.Decision.APPROVE, NOW)
    with refused("story.not_in_review"):
        cell.approve(approved, APPROVER, _approval(), NOW)


def test_every_refusal_code_raised_has_its_hindi_and_english_texts() -> None:
    """A code raised without texts would answer with a generic problem nobody can act on."""
    src = Path(channels.__file__).resolve().parents[1]
    raised: set[str] = set()
    for path in [*src.glob("domain/*.py"), *src.glob("handlers/*.py"), *src.glob("api/*.py")]:
        if not path.name.endswith("problems.py"):
            raised |= set(re.findall(r'"(story\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    raised.discard("story.html")  # the console's template, not a code
    assert {"story.block_remains", "story.unknown_channel", "story.own_version"} <= raised
    register_all()
    assert raised <= codes(), sorted(raised - codes())


def test_the_diff_names_the_images_that_went_with_each_version() -> None:
    t = [NOW + timedelta(minutes=m) for m in range(6)]
    images = [
        Image("a" * 64, "creative", "instagram", t[0], t[2]),  # replaced at t2 by b
        Image("b" * 64, "creative", "instagram", t[2], None),
        Image("c" * 64, "creative", "x", t[0], None),
        Image("d" * 64, "photo", None, t[0], t[4]),  # removed at t4
    ]
    insta = diff_images(images, "instagram", t[1], t[3])
    assert (insta.before, insta.after) == (("a" * 64,), ("b" * 64,))
    assert (insta.added, insta.removed) == (("b" * 64,), ("a" * 64,))
    circ = diff_images(images, "circulation", t[1], t[5])
    assert (circ.before, circ.after, circ.removed) == (("d" * 64,), (), ("d" * 64,))
    same = diff_images(images, "x", t[1], t[5])
    assert same.before == same.after == ("c" * 64,) and not same.added and not same.removed
