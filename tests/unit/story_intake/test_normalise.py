from __future__ import annotations

import random

from story_intake.domain.normalise import _normalise_slowly, fold, normalise


def test_nukta_zero_width_digits_and_case_fold_to_one_form() -> None:
    assert fold("पीड़िता") == fold("पीडिता") == fold("पीड\u093cिता") == fold("पी\u200dड़ि\u200bता")
    assert fold("९८२९०") == "98290"
    assert fold("Victim") == "victim"
    assert fold("गाँव") == fold("गांव")
    assert fold("Pīḍitā") == "pidita"


def test_spans_map_back_to_the_original_text() -> None:
    text = "पी\u200bड़िता सु\u200dनीता ९८२९०"
    norm = normalise(text)
    start = norm.text.index("सुनीता")
    s, e = norm.span(start, start + len("सुनीता"))
    assert text[s:e] == "सु\u200dनीता"
    s, e = norm.span(norm.text.index("98290"), len(norm.text))
    assert text[s:e] == "९८२९०"


def test_the_fast_path_agrees_with_the_character_by_character_one() -> None:
    rng = random.Random(7)
    alphabet = ["a", "B", "ब", "\u200b", "\u093c", "क़", "५", " ", "\u200d", "ड़", "ँ"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        fast, slow = normalise(text), _normalise_slowly(text)
        assert fast.text == slow.text
        for i in range(len(fast.text)):
            for j in range(i, len(fast.text) + 1):
                assert fast.span(i, j) == slow.span(i, j), (text, i, j)
