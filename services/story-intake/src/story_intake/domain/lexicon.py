"""Every lexicon of the gate in one Aho-Corasick automaton: one pass over the text finds them all.

A term matches at word boundaries only (`ग्राम` is not found inside `ग्रामीण`, unless the
term ends in `*`, which lets it begin a longer word: Hindi inflects, and `दुष्कर्म*` should find
`दुष्कर्मी`). Terms and text are compared in the normalised form (`normalise.fold`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ahocorasick

from story_intake.domain.normalise import fold, is_word_char


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    start: int
    end: int  # exclusive, in the normalised text


@dataclass(frozen=True, slots=True)
class _Entry:
    category: str
    length: int
    prefix: bool


class Lexicon:
    def __init__(self, terms: Mapping[str, Iterable[str]]) -> None:
        """`terms`: category → its terms (a trailing `*` allows a longer word)."""
        entries: dict[str, list[_Entry]] = {}
        for category, words in terms.items():
            for raw in words:
                prefix = raw.endswith("*")
                term = fold(raw.rstrip("*").strip())
                if term:
                    entries.setdefault(term, []).append(_Entry(category, len(term), prefix))
        self._automaton = ahocorasick.Automaton()
        for term, values in entries.items():
            self._automaton.add_word(term, tuple(values))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Hits in `text` (already normalised), the longest per (category, start), by start."""
        if self._empty:
            return []
        best: dict[tuple[str, int], Hit] = {}
        size = len(text)
        for last, values in self._automaton.iter(text):
            for entry in values:
                start = last - entry.length + 1
                end = last + 1
                if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
                    continue
                if end < size and is_word_char(text[end]) and is_word_char(text[end - 1]):
                    if not entry.prefix:
                        continue
                    while end < size and is_word_char(text[end]):
                        end += 1
                key = (entry.category, start)
                known = best.get(key)
                if known is None or known.end < end:
                    best[key] = Hit(entry.category, start, end)
        return sorted(best.values(), key=lambda h: (h.start, -h.end))
