"""The text the gate matches against, and the way back to the text people wrote.

Writers (and people who want past a filter) vary what is the same word or number: a precomposed
or decomposed nukta (ड़ / ड + ़), a nukta dropped altogether, Devanagari digits, zero-width
joiners inside a word, case. `normalise` folds all of these into one form, character by
character, and keeps for every character of that form the index of the character it came from,
so that a finding is reported on the original text's span.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
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


# The common case in one `str.translate`: characters that fold to one character or to none.
_PRECOMPOSED_NUKTA = {
    chr(c): unicodedata.normalize("NFD", chr(c))[0] for c in range(0x0958, 0x0960)
}
_DELETED = frozenset({*_INVISIBLE, _NUKTA})
_TABLE = str.maketrans(
    {**dict.fromkeys(_DELETED), **_DEVANAGARI_DIGITS, **_FOLD, **_PRECOMPOSED_NUKTA}
)
_DROPPED = re.compile("[" + "".join(sorted(_DELETED)) + "]")
# Characters the table does not cover: accented Latin, combining accents, İ and the like.
_SLOW = re.compile(r"[\u00c0-\u024f\u0300-\u036f\u0370-\u08ff\u1e00-\u1fff]")


@dataclass(frozen=True, slots=True)
class Normalised:
    text: str
    original: str
    # Either `origin` (index in the original text of each character of `text`) or, on the fast
    # path, the sorted positions of the original characters that were dropped.
    origin: Sequence[int] | None = None
    dropped: Sequence[int] = ()

    def _original_index(self, index: int) -> int:
        if self.origin is not None:
            return self.origin[index]
        # The index-th kept character: skip every dropped position up to it.
        shift = bisect_right(self.dropped, index)
        while True:
            moved = bisect_right(self.dropped, index + shift)
            if moved == shift:
                return index + shift
            shift = moved

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for [start, end) of the normalised text."""
        if end <= start:
            at = self._original_index(start) if start < len(self.text) else len(self.original)
            return at, at
        return self._original_index(start), self._original_index(end - 1) + 1


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
        folded = _FOLD.get(part, part)
        lower = folded.lower()
        out.append(lower if len(lower) == 1 else folded)
    return "".join(out)


def normalise(text: str) -> Normalised:
    if not _SLOW.search(text):
        folded = text.translate(_TABLE).lower()
        dropped = [m.start() for m in _DROPPED.finditer(text)] if len(folded) != len(text) else []
        if len(folded) == len(text) - len(dropped):
            return Normalised(folded, text, dropped=dropped)
    return _normalise_slowly(text)


def _normalise_slowly(text: str) -> Normalised:
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return Normalised("".join(chars), text, origin=origin)


def fold(term: str) -> str:
    """A lexicon term in the form `normalise` gives text."""
    return normalise(term).text


def is_word_char(char: str) -> bool:
    """Letters, digits and the marks of Devanagari (a vowel sign continues a word)."""
    return char.isalnum() or unicodedata.category(char) in ("Mn", "Mc")
