"""Template parameters, SMS segments (GSM-7 and UCS-2 with Hindi), opt-out words."""

from __future__ import annotations

import unicodedata

from social_publisher.domain.text import (
    count_segments,
    flatten,
    is_opt_out,
    parameter_problem,
    shorten,
    template_parameter,
)

from tests.hindi import HEADLINE as TITLE
from tests.hindi import REPORT as BODY


def test_a_long_multiline_hindi_body_becomes_a_parameter_whatsapp_accepts() -> None:
    assert parameter_problem(BODY) is not None  # newlines: Meta would refuse it as it is
    param = template_parameter(BODY, 700)
    assert parameter_problem(param) is None
    assert len(param) <= 700 and param.endswith("…")
    # Cut at a word boundary: the text before the ellipsis is a prefix of the flattened body.
    assert flatten(BODY).startswith(param[:-1].rstrip())


def test_shortening_never_splits_a_devanagari_letter_from_its_vowel_sign() -> None:
    word = "निर्देश" * 50  # no spaces at all: the cut falls inside a word
    for limit in range(5, 60):
        cut = shorten(word, limit)[:-1]
        assert cut[-1] != "\u094d"  # never end on a virama (half letter)
        nxt = word[len(cut)]
        assert unicodedata.category(nxt) not in ("Mn", "Mc")


def test_more_than_four_spaces_or_a_tab_is_refused_and_flattened() -> None:
    assert parameter_problem("a     b") is not None
    assert parameter_problem("a\tb") is not None
    assert parameter_problem("a    b") is None
    assert template_parameter("a \t\n     b", 100) == "a b"


def test_gsm7_single_and_multipart() -> None:
    assert count_segments("A" * 160).parts == 1
    assert count_segments("A" * 161).parts == 2
    assert count_segments("A" * 306).parts == 2
    assert count_segments("A" * 307).parts == 3


def test_gsm7_extension_characters_count_twice() -> None:
    seg = count_segments("{}" * 40)
    assert (seg.encoding, seg.units, seg.parts) == ("gsm7", 160, 1)
    assert count_segments("€" * 81).parts == 2


def test_hindi_is_ucs2_seventy_in_one_part_sixty_seven_per_part_when_split() -> None:
    hindi = (TITLE * 3)[:70]
    one = count_segments(hindi)
    assert (one.encoding, one.units, one.parts) == ("ucs2", 70, 1)
    assert count_segments((TITLE * 3)[:71]).parts == 2
    assert count_segments((TITLE * 5)[:134]).parts == 2
    assert count_segments((TITLE * 5)[:135]).parts == 3


def test_one_non_gsm_character_makes_the_whole_message_ucs2() -> None:
    assert count_segments("Reply 4821 - पुलिस").encoding == "ucs2"


def test_opt_out_words_in_hindi_and_english() -> None:
    for text in ("STOP", " stop ", "बंद", "बन्द।", "Stop."):
        assert is_opt_out(text)
    others: list[str | None] = ["stop sending me this tomorrow", "प्राप्त हुआ", None, ""]
    for other in others:
        assert not is_opt_out(other)
