"""The text the gate matches against, and the way back to the text people wrote.

Writers (and people who want past a filter) vary what is the same word or number: a precomposed
or decomposed nukta (ड़ / ड + ़), a nukta dropped altogether, Devanagari digits, zero-width
joiners inside a word, case. `normalise` folds all of these into one form, character by
character, and keeps for every character of that form the index of the character it came from,
so that a finding is reported on the original text's span.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_NUKTA = "\u093c"
# Zero-width and invisible characters that can sit inside a word without showing.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_DEVANAGARI_DIGITS = {chr(0x0966 + d): str(d) for d in range(10)}
# Latin combining accents only: Devanagari vowel signs are combining marks too and must stay.
_LATIN_ACCENTS = range(0x0300, 0x0370)
# Candrabindu and anusvara are written for one another (गाँव, गांव).
_FOLD = {"\u0901": "\u0902", "\u00a0": " ", "\u2019": "'", "\u2018": "'"}


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str
    # origin[i]: index in the original text of the character text[i] came from.
    origin: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for [start, end) of the normalised text."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _DEVANAGARI_DIGITS:
        return _DEVANAGARI_DIGITS[char]
    out = []
    for part in unicodedata.normalize("NFD", char):
        if part == _NUKTA or ord(part) in _LATIN_ACCENTS:
            continue
        part = _FOLD.get(part, part)
        lower = part.lower()
        out.append(lower if len(lower) == 1 else part)
    return "".join(out)


def normalise(text: str) -> Normalised:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return Normalised("".join(chars), tuple(origin), text)


def fold(term: str) -> str:
    """A lexicon term in the form `normalise` gives text."""
    return normalise(term).text


def is_word_char(char: str) -> bool:
    """Letters, digits and the marks of Devanagari (a vowel sign continues a word)."""
    return char.isalnum() or unicodedata.category(char) in ("Mn", "Mc")
