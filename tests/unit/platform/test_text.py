"""The one definition of acceptable text (nazar_platform.text)."""

from __future__ import annotations

import pytest
from nazar_platform.text import clean_strings, describe, first_invalid, replace_invalid


@pytest.mark.parametrize(
    "text",
    ["", "राम", "पुलिस थाना कोतवाली, बीकानेर", "tab\tline\nreturn\r", "emoji 🙏", "नुक़्ता"],
)
def test_text_a_person_writes_is_accepted(text: str) -> None:
    assert first_invalid(text) is None


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("\x00", 0),
        ("राम\x00", 3),
        ("a\x1bb", 1),
        ("x\x7f", 1),
        ("lone \ud800 surrogate", 5),
        ("\ufffe", 0),
        ("plane 16 \U0010ffff", 9),
        ("\ufdd0", 0),
    ],
)
def test_controls_surrogates_and_noncharacters_are_refused(text: str, at: int) -> None:
    assert first_invalid(text) == at


def test_a_refused_character_is_named_readably() -> None:
    assert describe("\x00") == "U+0000"
    assert describe("\U0010ffff") == "U+10FFFF"


def test_the_fast_path_agrees_with_the_definition() -> None:
    import random

    from nazar_platform.text import _INVALID as every

    pool = "aरा\t\n\x00\x1f\x7f\ud800\ufdd5\uffff🙏\U0001fffe\U0010ffff\U0002fffd"
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 8)))
        expected = every.search(text)
        assert first_invalid(text) == (expected.start() if expected else None), repr(text)


def test_what_was_refused_can_still_be_recorded() -> None:
    assert replace_invalid("/api/v1/units/\x00/राम\ud800") == "/api/v1/units/\ufffd/राम\ufffd"
    assert replace_invalid("tab\tline\n") == "tab\tline\n"
    assert first_invalid(replace_invalid("\x00\x7f\ufffe\U0010ffff")) is None


def test_a_document_we_must_keep_is_cleaned_string_by_string() -> None:
    document = {"text\x00": ["हाँ\x00", {"n": 1, "ok": True, "t": "ठीक\x1b"}], "none": None}
    assert clean_strings(document) == {
        "text\ufffd": ["हाँ\ufffd", {"n": 1, "ok": True, "t": "ठीक\ufffd"}],
        "none": None,
    }
