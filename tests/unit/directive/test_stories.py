"""The pure parts of stories in the directive service: which circle groups a circulation reaches,
the author's notices (both languages, never a note), deterministic message ids, and a story's
`dispatch.requested` (purpose story, no acknowledgement, no reply code, origin, no directive)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from directive.adapters.dispatch import Encoder
from directive.domain.audience import CircleSelection, circulation_circles
from directive.domain.ids import delivery_id
from directive.domain.model import MessageInfo, MessageKind, Origin, OriginKind
from directive.domain.texts import StoryStep, story_notice
from directive.handlers.stories import circulation_message_id, notice_message_id
from nazar_contracts.dispatch import DispatchRequested, Purpose
from nazar_contracts.registry import parse_json
from nazar_contracts.stories import CirculationScope, ReviewLevel

NOW = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("scope", "range_id", "expected"),
    [
        (CirculationScope.PHQ_ADMIN, "RNG-JAIPUR", CircleSelection()),
        (CirculationScope.DISTRICT, "RNG-JAIPUR", CircleSelection(under="DST-KHAIRTHAL")),
        (CirculationScope.RANGE, "RNG-JAIPUR", CircleSelection(under="RNG-JAIPUR")),
        # A district with no range above it circulates in its own district.
        (CirculationScope.RANGE, None, CircleSelection(under="DST-KHAIRTHAL")),
        (CirculationScope.STATE, "RNG-JAIPUR", CircleSelection(everywhere=True)),
    ],
)
def test_the_scope_chooses_the_circle_groups(
    scope: CirculationScope, range_id: str | None, expected: CircleSelection
) -> None:
    chosen = circulation_circles(scope, "DST-KHAIRTHAL", range_id)
    assert chosen == expected
    assert chosen.none is (scope is CirculationScope.PHQ_ADMIN)


@pytest.mark.parametrize("step", list(StoryStep))
def test_every_notice_is_complete_in_hindi_and_english(step: StoryStep) -> None:
    text = story_notice(step, "sty-42", ReviewLevel.DISTRICT)
    assert text.languages() == ("hi", "en")
    assert all("\u0900" <= ch <= "\u097f" for ch in (text.title_hi or "") if ch.isalpha())
    assert "sty-42" in (text.body_hi or "") and "sty-42" in (text.body_en or "")


def test_a_story_sent_back_tells_the_author_to_open_the_app() -> None:
    text = story_notice(StoryStep.SENT_BACK, "sty-7")
    assert "नज़र ऐप" in (text.body_hi or "") and "Nazar app" in (text.body_en or "")
    forwarded = story_notice(StoryStep.FORWARDED, "sty-7", ReviewLevel.PHQ)
    assert "सोशल मीडिया सेल" in (forwarded.body_hi or "")
    assert "PHQ social media cell" in (forwarded.body_en or "")


def test_message_ids_derive_from_the_story_or_the_event() -> None:
    assert circulation_message_id("sty-1") == circulation_message_id("sty-1")
    assert circulation_message_id("sty-1") != circulation_message_id("sty-2")
    assert notice_message_id("ev-1") == notice_message_id("ev-1")
    assert notice_message_id("ev-1") != circulation_message_id("ev-1")


def test_origins() -> None:
    d = uuid.uuid4()
    assert Origin.directive(d).directive_id == d
    assert Origin.story("sty-9") == Origin(OriginKind.STORY, "sty-9")
    assert Origin.story("sty-9").directive_id is None


def test_a_story_record_has_no_directive_no_ack_and_its_origin() -> None:
    mid = circulation_message_id("sty-3")
    m = MessageInfo(
        id=mid,
        directive_id=None,
        kind=MessageKind.STORY,
        priority="routine",
        title_hi="गुमशुदा बच्चा परिवार से मिला",
        body_hi="थाना टीम ने छह घंटे में बच्चे को ढूंढा।",
        title_en="Missing child reunited",
        body_en="The station team found the child within six hours.",
        ack_requested=False,
        reply_code=None,
        expires_at=None,
        origin_kind=OriginKind.STORY,
        origin_id="sty-3",
    )
    enc = Encoder(
        [m],
        topic="normal",
        flash_topic="flash",
        note=None,
        link_key=b"unit-test-inbox-link-key-0123456789",
        base_url="https://inbox.nazar.example/directive",
        link_ttl=timedelta(days=14),
    )
    r = enc.record(delivery_id(mid, "mbr-1"), mid, "mbr-1", "hi", NOW)
    data = parse_json("nazar.dispatch.requested.v1", r.value)
    assert isinstance(data, DispatchRequested)
    assert data.purpose is Purpose.STORY and r.topic == "normal"
    assert data.directive_id is None and data.reply_code is None and data.expires_at is None
    assert data.ack_requested is False
    assert data.origin is not None and (data.origin.kind, data.origin.id) == ("story", "sty-3")
    assert data.title == "गुमशुदा बच्चा परिवार से मिला"


def test_a_directive_record_keeps_its_directive_id_and_names_it_as_origin() -> None:
    directive, mid = uuid.uuid4(), uuid.uuid4()
    m = MessageInfo(
        id=mid,
        directive_id=directive,
        kind=MessageKind.ORIGINAL,
        priority="urgent",
        title_hi="नज़र रखें",
        body_hi="सभी थाने सतर्क रहें।",
        title_en=None,
        body_en=None,
        ack_requested=True,
        reply_code="K7Q2",
        expires_at=NOW + timedelta(days=7),
    )
    enc = Encoder(
        [m],
        topic="normal",
        flash_topic="flash",
        note=None,
        link_key=b"unit-test-inbox-link-key-0123456789",
        base_url="https://inbox.nazar.example/directive",
        link_ttl=timedelta(days=14),
    )
    data = parse_json(
        "nazar.dispatch.requested.v1",
        enc.record(delivery_id(mid, "mbr-2"), mid, "mbr-2", "hi", NOW).value,
    )
    assert isinstance(data, DispatchRequested)
    assert data.directive_id == str(directive) and data.purpose is Purpose.DIRECTIVE
    assert data.origin is not None and data.origin.id == str(directive)
    assert data.origin.kind == "directive"
