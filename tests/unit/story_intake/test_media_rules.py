"""The pure rules of photos and creatives: types by content, limits, who may add, see, confirm,
and each network's sizes and aspect ratios."""

from __future__ import annotations

import re

import pytest
from nazar_contracts.stories import PublicChannel, ReviewLevel
from nazar_contracts.vocabulary import Role
from story_intake.domain.chain import Actor, Place, State, Story
from story_intake.domain.media import (
    JPEG,
    PNG,
    WEBP,
    ImageLimits,
    MediaRefusalError,
    approver,
    cell_member,
    channel_of,
    check_creative,
    check_photo_count,
    check_pixels,
    check_upload,
    may_change_photos,
    may_read,
    sniff,
)

from tests.unit.story_intake.images import phone_jpeg, png_with_metadata, webp_with_metadata

LIMITS = ImageLimits(max_bytes=15_000_000, max_pixels=40_000_000)
PLACE = Place("PS-TIJARA", "CIR-TIJARA", "DST-KT")
AUTHOR = "M-CONST-1"


def story(state: State = State.DRAFT, level: ReviewLevel | None = None) -> Story:
    return Story("s1", AUTHOR, Role.CONSTABLE, PLACE, state, level, AUTHOR)


def refused(code: str) -> pytest.RaisesExc[MediaRefusalError]:
    return pytest.raises(MediaRefusalError, match=f"^{re.escape(code)}$")


def test_the_type_comes_from_the_bytes() -> None:
    assert sniff(phone_jpeg()) == JPEG
    assert sniff(png_with_metadata()) == PNG
    assert sniff(webp_with_metadata()) == WEBP
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None  # RIFF, but audio
    assert sniff("यह एक पाठ फ़ाइल है".encode()) is None
    assert sniff(b"GIF89a") is None


def test_an_upload_is_refused_when_too_large_empty_or_no_image() -> None:
    assert check_upload(phone_jpeg()[:16], 3000, LIMITS) == JPEG
    with refused("media.too_large") as info:
        check_upload(b"\xff\xd8\xff", 15_000_001, LIMITS)
    assert info.value.params == {"limit_mb": 15}
    with refused("media.wrong_type"):
        check_upload(b"", 0, LIMITS)
    with refused("media.wrong_type"):
        check_upload(b"%PDF-1.7", 100, LIMITS)


def test_pixels_beyond_the_limit_are_a_bomb_before_decoding() -> None:
    check_pixels(8000, 5000, LIMITS)  # exactly 40 megapixels
    with refused("media.too_many_pixels") as info:
        check_pixels(8000, 5001, LIMITS)
    assert info.value.params == {"megapixels": 40}
    with refused("media.too_many_pixels"):
        check_pixels(20_000, 20_000, LIMITS)
    with refused("media.unreadable"):
        check_pixels(0, 100, LIMITS)


def test_only_the_author_changes_photos_and_only_on_a_draft_or_sent_back() -> None:
    may_change_photos(story(State.DRAFT), AUTHOR)
    may_change_photos(story(State.SENT_BACK, ReviewLevel.CIRCLE), AUTHOR)
    with refused("story.not_author"):
        may_change_photos(story(), "M-CONST-9")
    for state in (State.IN_REVIEW, State.APPROVED, State.REJECTED, State.WITHDRAWN):
        with refused("media.photos_locked"):
            may_change_photos(story(state, ReviewLevel.CIRCLE), AUTHOR)


def test_at_most_the_setting_photos() -> None:
    check_photo_count(9, 10)
    with refused("media.too_many_photos") as info:
        check_photo_count(10, 10)
    assert info.value.params == {"limit": 10}


CO = Actor("M-CO-1", Role.CO, "CIR-TIJARA")
OTHER_CO = Actor("M-CO-2", Role.CO, "CIR-KBAS")
SP = Actor("M-SP-1", Role.SP, "DST-KT")
DESIGNER = Actor("M-D-1", Role.GRAPHICS_DESIGNER, "RJ")
ADG = Actor("M-ADG-1", Role.ADG, "RJ")
WRITER = Actor("M-W-1", Role.CONTENT_WRITER, "RJ")


def test_whoever_reads_the_story_sees_its_photos() -> None:
    at_circle = story(State.IN_REVIEW, ReviewLevel.CIRCLE)
    assert may_read(at_circle, [Actor(AUTHOR, Role.CONSTABLE, "PS-TIJARA")])
    assert may_read(at_circle, [CO])
    assert not may_read(at_circle, [OTHER_CO])
    assert not may_read(at_circle, [SP])  # not yet at the district
    assert not may_read(at_circle, [DESIGNER])
    at_phq = story(State.IN_REVIEW, ReviewLevel.PHQ)
    assert may_read(at_phq, [DESIGNER]) and may_read(at_phq, [ADG])
    assert not may_read(at_phq, [CO])
    assert may_read(story(State.APPROVED), [WRITER])
    assert not may_read(story(State.DRAFT), [CO])


def test_creatives_are_the_cells_on_a_story_at_phq() -> None:
    at_phq = story(State.IN_REVIEW, ReviewLevel.PHQ)
    assert cell_member(at_phq, [DESIGNER]) == DESIGNER
    assert cell_member(at_phq, [ADG]) == ADG
    with refused("media.not_cell"):
        cell_member(at_phq, [SP, CO])
    with refused("media.not_at_phq"):
        cell_member(story(State.IN_REVIEW, ReviewLevel.DISTRICT), [DESIGNER])
    with refused("media.not_at_phq"):
        cell_member(story(State.APPROVED), [DESIGNER])


def test_only_an_approver_confirms_no_person_identifiable_on_a_marked_story() -> None:
    assert approver([WRITER, ADG], True, "चेहरे धुंधले किए गए हैं") == ADG
    with refused("media.not_approver"):
        approver([WRITER, DESIGNER], True, "faces blurred")
    with refused("media.not_marked"):
        approver([ADG], False, "faces blurred")
    with refused("media.reason_required"):
        approver([ADG], True, "   ")


@pytest.mark.parametrize(
    ("channel", "width", "height", "size", "code"),
    [
        # Instagram feed: 4:5 (0.8) to 1.91:1.
        ("instagram", 1080, 1350, 900_000, None),
        ("instagram", 1080, 1080, 900_000, None),
        ("instagram", 1910, 1000, 900_000, None),
        ("instagram", 1080, 1351, 900_000, "creative.aspect"),
        ("instagram", 1911, 1000, 900_000, "creative.aspect"),
        ("instagram", 1080, 1920, 900_000, "creative.aspect"),  # 9:16 is a story, not the feed
        ("instagram", 300, 300, 90_000, "creative.dimensions"),
        ("instagram", 1080, 1080, 8_000_001, "creative.too_large"),
        # X: 1:3 to 3:1, 5 MB.
        ("x", 1200, 675, 400_000, None),
        ("x", 3000, 1000, 400_000, None),
        ("x", 3001, 1000, 400_000, "creative.aspect"),
        ("x", 1200, 675, 5_000_001, "creative.too_large"),
        ("x", 9000, 4000, 400_000, "creative.dimensions"),
        # Facebook: 4:5 to 1.91:1, at least 200 px, 10 MB.
        ("facebook", 1200, 630, 400_000, None),
        ("facebook", 1200, 1600, 400_000, "creative.aspect"),
        ("facebook", 199, 199, 40_000, "creative.dimensions"),
        ("facebook", 1200, 630, 10_000_001, "creative.too_large"),
    ],
)
def test_each_networks_rules(
    channel: str, width: int, height: int, size: int, code: str | None
) -> None:
    if code is None:
        check_creative(PublicChannel(channel), JPEG, width, height, size)
    else:
        with refused(code) as info:
            check_creative(PublicChannel(channel), JPEG, width, height, size)
        assert info.value.params["channel"] == channel


def test_the_aspect_refusal_says_what_the_network_takes() -> None:
    with refused("creative.aspect") as info:
        check_creative(PublicChannel.INSTAGRAM, PNG, 1000, 2000, 100_000)
    assert info.value.params == {
        "channel": "instagram",
        "aspect": "0.50",
        "min": "0.80",
        "max": "1.91",
    }


def test_an_unknown_channel_is_refused() -> None:
    assert channel_of("x") is PublicChannel.X
    with refused("creative.unknown_channel"):
        channel_of("tiktok")
