"""Person mentions and identifying details: names, relatives, addresses, schools and workplaces.

A detail is a cue word (पुत्री, निवासी, स्कूल) with the words that make it particular: "निवासी
ग्राम खेड़ा" identifies, "गांव की रहने वाली" does not. Words are read up to a stopword or a
punctuation mark, and a detail counts only when one of its words is neither a stopword nor a
generic word (एक, निजी, राजकीय).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from story_intake.domain.lexicon import Hit

_WORD = re.compile(r"[\w\u0900-\u0963\u0971-\u097f'/&-]+")
# A full stop ends a clause, unless it ends a short abbreviation (St., Dr., अति.).
_BREAK = re.compile(r"[,;:!?()\[\]\"|\n\u0964\u0965]|(?<=[\w\u0900-\u097f]{4})\.(?:\s|$)")
# Honorifics between a relation word and a name (पुत्री श्री रामलाल, d/o late Ramlal).
_HONORIFICS = frozenset({"श्री", "स्व", "स्व.", "स्वर्गीय", "shri", "sri", "late", "mr", "mr.", "md"})


@dataclass(frozen=True, slots=True)
class Mention:
    kind: str  # name | relation | address | institution
    start: int
    end: int  # exclusive, in the normalised text
    cue: tuple[int, int]  # the cue word's own span: not a role cue for this mention


@dataclass(frozen=True, slots=True)
class Words:
    """The words of the normalised text, and where a clause breaks."""

    spans: tuple[tuple[int, int], ...]
    breaks: frozenset[int]  # indexes i such that a break lies between word i-1 and word i

    @classmethod
    def of(cls, text: str) -> Words:
        spans = tuple((m.start(), m.end()) for m in _WORD.finditer(text))
        cuts = [m.start() for m in _BREAK.finditer(text)]
        breaks = set()
        c = 0
        for i, (start, _) in enumerate(spans):
            while c < len(cuts) and cuts[c] < start:
                if i > 0 and cuts[c] >= spans[i - 1][1]:
                    breaks.add(i)
                c += 1
        return cls(spans, frozenset(breaks))

    def index_at(self, position: int) -> int:
        """Index of the first word starting at or after `position`."""
        lo, hi = 0, len(self.spans)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.spans[mid][0] < position:
                lo = mid + 1
            else:
                hi = mid
        return lo


@dataclass(frozen=True, slots=True)
class Vocabulary:
    stop: frozenset[str]
    generic: frozenset[str]
    # Starts of the words a lexicon found (cue words): they make nothing particular.
    cued: frozenset[int] = frozenset()


def _particular(text: str, words: Sequence[tuple[int, int]], vocab: Vocabulary) -> bool:
    return any(
        text[s:e] not in vocab.stop
        and text[s:e] not in vocab.generic
        and not text[s:e].isdigit()
        and s not in vocab.cued
        for s, e in words
    )


def _following(
    text: str,
    words: Words,
    position: int,
    vocab: Vocabulary,
    limit: int,
    *,
    skip: frozenset[str] = frozenset(),
    through: frozenset[int] = frozenset(),
) -> list[tuple[int, int]]:
    """Up to `limit` words after `position`, stopping at a stopword, a break or a cue word
    (unless it starts at one of `through`)."""
    out: list[tuple[int, int]] = []
    i = words.index_at(position)
    while i < len(words.spans) and len(out) < limit and i not in words.breaks:
        s, e = words.spans[i]
        token = text[s:e]
        i += 1
        if token in skip:
            continue
        if token in vocab.stop or (s in vocab.cued and s not in through):
            break
        out.append((s, e))
    return out


def _preceding(
    text: str, words: Words, position: int, vocab: Vocabulary, limit: int
) -> list[tuple[int, int]]:
    """Up to `limit` words before `position`, stopping at a stopword or a break."""
    out: list[tuple[int, int]] = []
    i = words.index_at(position) - 1
    if words.index_at(position) in words.breaks:
        return out
    while i >= 0 and len(out) < limit:
        s, e = words.spans[i]
        if text[s:e] in vocab.stop or s in vocab.cued:
            break
        out.append((s, e))
        if i in words.breaks:
            break
        i -= 1
    return out[::-1]


def names(hits: Sequence[Hit]) -> list[Mention]:
    """Given names, with the given names and surnames right after them (सुनीता कुमारी मीणा)."""
    parts = sorted((h for h in hits if h.category in ("given", "surname")), key=lambda h: h.start)
    out: list[Mention] = []
    i = 0
    while i < len(parts):
        hit = parts[i]
        if hit.category != "given":
            i += 1
            continue
        end = hit.end
        j = i + 1
        while j < len(parts) and parts[j].start <= end + 1 and parts[j].start >= end:
            end = parts[j].end
            j += 1
        out.append(Mention("name", hit.start, end, (hit.start, hit.start)))
        i = j
    return out


def details(text: str, words: Words, hits: Sequence[Hit], vocab: Vocabulary) -> list[Mention]:
    """Relatives, addresses and institutions written with a particular word."""
    out: list[Mention] = []
    addresses = frozenset(h.start for h in hits if h.category == "address")
    for hit in hits:
        if any(m.start <= hit.start < m.end for m in out if m.kind == hit.category):
            continue
        if hit.category == "relation":
            after = _following(text, words, hit.end, vocab, 3, skip=_HONORIFICS)
            if _particular(text, after, vocab):
                out.append(Mention("relation", hit.start, after[-1][1], (hit.start, hit.end)))
        elif hit.category == "address":
            after = _following(text, words, hit.end, vocab, 4, through=addresses)
            if _particular(text, after, vocab):
                out.append(Mention("address", hit.start, after[-1][1], (hit.start, hit.end)))
                continue
            before = _preceding(text, words, hit.start, vocab, 1)
            if _particular(text, before, vocab):
                out.append(Mention("address", before[0][0], hit.end, (hit.start, hit.end)))
        elif hit.category == "institution":
            before = _preceding(text, words, hit.start, vocab, 4)
            after = _following(text, words, hit.end, vocab, 2)
            if _particular(text, before + after, vocab):
                start = before[0][0] if before else hit.start
                end = after[-1][1] if after else hit.end
                out.append(Mention("institution", start, end, (hit.start, hit.end)))
    return out


def outermost(mentions: list[Mention]) -> list[Mention]:
    """Drops a mention that lies inside another (a name inside "पुत्री श्री मोहनलाल", "ग्राम
    खेड़ा" inside "निवासी ग्राम खेड़ा"): the larger one is the detail."""
    out: list[Mention] = []
    reach = -1
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.end <= reach and not (
            out and (out[-1].start, out[-1].end) == (mention.start, mention.end)
        ):
            continue
        out.append(mention)
        reach = max(reach, mention.end)
    return out
