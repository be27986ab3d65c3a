"""X's weighted length and threads (domain/x_text.py): twitter-text's own conformance data, and a
Hindi story with emoji and a link that becomes a valid post or a numbered thread."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml
from social_publisher.domain.social import ErrorKind, SocialError
from social_publisher.domain.x_text import X_LIMIT, XText, plan, weighted_length

from tests.unit.social_publisher.stories import LINK, STORY

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from twitter_text import extract_urls_with_indices, parse_tweet
    from twitter_text.config import config as twitter_config

_DATA = yaml.safe_load(
    (Path(__file__).parent / "data" / "twitter_text_validate.yml").read_text(encoding="utf-8")
)["tests"]


def _case_id(case: dict[str, Any]) -> str:
    return str(case["description"])[:60]


@pytest.mark.parametrize(
    "case", _DATA["WeightedTweetsWithDiscountedEmojiCounterTest"], ids=_case_id
)
def test_the_official_v3_weighted_cases(case: dict[str, Any]) -> None:
    # The configuration X applies now (v3: emoji discounted); our count is this one.
    expected = case["expected"]
    assert weighted_length(case["text"]) == expected["weightedLength"]
    assert parse_tweet(case["text"], twitter_config["version3"]).asdict() == expected


@pytest.mark.parametrize("case", _DATA["UnicodeDirectionalMarkerCounterTest"], ids=_case_id)
def test_the_official_directional_marker_cases(case: dict[str, Any]) -> None:
    assert weighted_length(case["text"]) == case["expected"]["weightedLength"]


@pytest.mark.parametrize("case", _DATA["WeightedTweetsCounterTest"], ids=_case_id)
def test_the_official_v2_weighted_cases(case: dict[str, Any]) -> None:
    # The same parser under the older v2 configuration (no emoji discount): proves the parser,
    # not only the configuration we use.
    options = dict(twitter_config["version2"], emoji_parsing_enabled=False)
    assert parse_tweet(case["text"], options).asdict() == case["expected"]


def test_a_text_that_fits_is_one_post_and_a_too_long_one_is_refused_with_numbers() -> None:
    assert plan("राजस्थान पुलिस 🚓", thread=False) == XText(("राजस्थान पुलिस 🚓",), 17)
    refused = plan("क" * 281, thread=False)
    assert isinstance(refused, SocialError)
    assert refused.kind is ErrorKind.REFUSED
    assert refused.code == "too_long"
    assert "281" in refused.reason and "280" in refused.reason
    assert refused.reason.startswith("X की गिनती")  # Hindi first


def test_devanagari_counts_each_matra_and_virama_cjk_two_url_23_emoji_two() -> None:
    assert weighted_length("क्षि") == 4  # क ् ष ि: four code points, each 1
    assert weighted_length("の") == 2
    assert weighted_length("https://example.com/" + "a" * 200) == 23
    assert weighted_length("👨‍👩‍👧‍👦") == 2
    assert weighted_length("🇮🇳") == 2


def test_the_300_character_hindi_story_becomes_a_valid_numbered_thread() -> None:
    assert len(STORY) == 300
    assert weighted_length(STORY) > X_LIMIT  # over by X's count, so not one post
    refused = plan(STORY, thread=False)
    assert isinstance(refused, SocialError) and refused.code == "too_long"

    thread = plan(STORY, thread=True)
    assert isinstance(thread, XText) and thread.is_thread
    total = len(thread.parts)
    for index, part in enumerate(thread.parts, start=1):
        assert part.endswith(f" ({index}/{total})")
        assert parse_tweet(part, twitter_config["version3"]).valid  # the official parser
        assert weighted_length(part) <= X_LIMIT
    bodies = [re.sub(r" \(\d+/\d+\)$", "", p) for p in thread.parts]
    # Nothing lost, nothing added but the spaces between parts.
    assert "".join(bodies).replace(" ", "") == STORY.replace(" ", "")
    # The link and the hashtags are whole in one part; the first part ends a sentence.
    assert sum(LINK in b for b in bodies) == 1
    assert sum("#सुरक्षित_राजस्थान" in b for b in bodies) == 1
    assert bodies[0].endswith("।")
    assert any(
        [u["url"] for u in extract_urls_with_indices(b)] == [LINK] for b in bodies if LINK in b
    )


def test_a_300_character_story_with_a_long_link_is_one_valid_post() -> None:
    # The link weighs 23 whatever its length, so these 300 characters weigh 234.
    long_link = (
        "https://police.rajasthan.gov.in/news/2026/12/03/vehicle-theft-gang-arrested-jaipur-sp-rj"
    )
    story = (
        "जयपुर पुलिस ने आज सुबह एक बड़ी कार्रवाई में चोरी के बारह वाहन बरामद किए। 🚓👮‍♀️ "
        "पुलिस अधीक्षक ने बताया कि गिरोह के तीन सदस्य पकड़े गए हैं और पूछताछ जारी है। "
        f"पूरी जानकारी: {long_link} #RajasthanPolice #सुरक्षित_राजस्थान 🇮🇳 जय"
    )
    assert len(story) == 300
    post = plan(story, thread=True)
    assert isinstance(post, XText) and post.parts == (story,)
    assert post.weighted_length == 234
    assert parse_tweet(story, twitter_config["version3"]).valid


def test_a_part_never_ends_inside_a_conjunct_or_an_emoji_sequence() -> None:
    # One unbroken "word" longer than a part is the only case cut between clusters.
    word = "क्ष" * 60 + "👨‍👩‍👧‍👦" * 40 + "त्रि" * 40
    thread = plan(word, thread=True)
    assert isinstance(thread, XText) and thread.is_thread
    clusters = regex.findall(r"\X", word)
    bodies = [re.sub(r" \(\d+/\d+\)$", "", p) for p in thread.parts]
    assert "".join(bodies) == word
    boundaries = set()
    pos = 0
    for cluster in clusters:
        pos += len(cluster)
        boundaries.add(pos)
    pos = 0
    for body in bodies[:-1]:
        pos += len(body)
        assert pos in boundaries
    for part in thread.parts:
        assert weighted_length(part) <= X_LIMIT


def test_a_hashtag_longer_than_a_part_is_refused_not_cut() -> None:
    refused = plan("#" + "क" * 300, thread=True)
    assert isinstance(refused, SocialError) and refused.code == "unsplittable"


def test_many_parts_widen_the_number() -> None:
    text = " ".join(["पुलिस ने गिरोह पकड़ा।"] * 250)
    thread = plan(text, thread=True)
    assert isinstance(thread, XText)
    assert len(thread.parts) >= 10
    assert thread.parts[9].endswith(f" (10/{len(thread.parts)})")
    assert all(weighted_length(p) <= X_LIMIT for p in thread.parts)


def test_empty_and_invalid_characters_are_refused() -> None:
    empty = plan("   ", thread=True)
    assert isinstance(empty, SocialError) and empty.code == "empty"
    invalid = plan("नमस्ते \ufffe", thread=True)
    assert isinstance(invalid, SocialError) and invalid.code == "invalid_character"
