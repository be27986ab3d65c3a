"""The lawful-publishing gate: text in, verdict and findings out (see `RULES` for the rules).

Who a name or a detail belongs to decides what it is: a name next to "पीड़िता" or "नाबालिग" in
a story of a sexual offence or of a child identifies the person the law protects (block); next to
"आरोपी" it names an accused (review); right after a rank it is an officer (nothing). The nearest
role cue wins, a cue before the mention counting more than one after it; a child cue close to
an accused cue makes a child in conflict with law, whom the JJ Act protects.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from story_intake.domain.details import Mention, Vocabulary, Words, details, names, outermost
from story_intake.domain.lexicon import Hit, Lexicon
from story_intake.domain.normalise import Normalised, fold, normalise
from story_intake.domain.numbers import numbers, vehicles
from story_intake.domain.romanise import spellings
from story_intake.domain.rules import Finding, GateResult, verdict_of

# Lexicon files of `GateData.terms` (adapters/lexicons/<name>.txt).
CUE_FILES = (
    "sexual_offence", "child", "victim", "missing", "accused", "officer", "relation", "address",
    "institution", "photo", "official", "permission", "protection",
)  # fmt: skip
# How far (normalised characters) a role cue reaches before and after a mention.
_BEFORE, _AFTER = 80, 40
_AFTER_WEIGHT = 1.5
# A rank reaches only the name right after it; a child word this close to "accused" is the accused.
_OFFICER_REACH, _CHILD_ACCUSED = 3, 3
# Longer cue words are cut short at this length when looking for the cues near a mention.
_LONGEST_CUE = 40
# How far around a mention (normalised characters) its story reaches.
_STORY = 300
# A child word this close before a school word is part of the school's name.
_SCHOOL_NAME = 25
# An official cue (helpline, थाना) this far before a number makes it an official number.
_OFFICIAL_REACH = 40
_ROLE_OF = {"victim": "victim", "child": "child", "accused": "accused", "officer": "officer",
            "sexual_offence": "victim", "missing": "child"}  # fmt: skip
# An offence word is a weaker victim cue than "पीड़िता": it names the deed, not the person.
_CUE_PENALTY = {"sexual_offence": 10, "missing": 5}
_DETAIL_RULE = {"name": "victim_name", "relation": "victim_relative", "address": "victim_address",
                "institution": "victim_institution"}  # fmt: skip


@dataclass(frozen=True)
class GateData:
    """The lexicons: `terms[name]` for each of CUE_FILES, plus names and word lists."""

    terms: Mapping[str, tuple[str, ...]]
    given_names: tuple[str, ...]
    given_names_latin: tuple[str, ...]
    surnames: tuple[str, ...]
    not_names: tuple[str, ...]
    stopwords: tuple[str, ...]
    generic: tuple[str, ...]
    vehicle_states: tuple[str, ...]


def _with_spellings(names_: Iterable[str], not_names: frozenset[str]) -> list[str]:
    out: set[str] = set()
    for name in names_:
        out.add(name)
        out |= {s for s in spellings(name) if s not in not_names}
    return sorted(out)


class Gate:
    def __init__(self, data: GateData) -> None:
        not_names = frozenset(fold(w) for w in data.not_names)
        terms: dict[str, Iterable[str]] = {name: data.terms[name] for name in CUE_FILES}
        terms["given"] = [*_with_spellings(data.given_names, not_names), *data.given_names_latin]
        terms["surname"] = _with_spellings(data.surnames, not_names)
        self._lexicon = Lexicon(terms)
        self._stop = frozenset(fold(w) for w in data.stopwords)
        self._generic = frozenset(fold(w) for w in data.generic)
        self._states = frozenset(fold(w) for w in data.vehicle_states)

    def check(self, text: str) -> GateResult:
        norm = normalise(text)
        hits = sorted([*self._lexicon.find(norm.text), *_minors(norm.text)], key=lambda h: h.start)
        words = Words.of(norm.text)
        # Cue words make no detail particular; a name does (पुत्री मोहनलाल).
        cued = frozenset(h.start for h in hits if h.category not in ("given", "surname"))
        vocab = Vocabulary(self._stop, self._generic, cued)
        mentions = details(norm.text, words, hits, vocab)
        # A child word in a school's name (राजकीय बालिका विद्यालय) is about the school.
        schools = [h.start for h in hits if h.category == "institution"]
        hits = [
            h for h in hits if h.category != "child" or not self._in_school(norm.text, h, schools)
        ]
        by = _by_category(hits)
        sexual = bool(by.get("sexual_offence"))
        child = bool(by.get("child"))
        near = _Nearby(by)
        permitted = bool(by.get("permission"))
        mentions = outermost(names(hits) + mentions)
        cues = [h for h in hits if h.category in _ROLE_OF]
        if not child:
            cues = [h for h in cues if h.category != "missing"]
        cues.sort(key=lambda h: h.start)
        starts = [h.start for h in cues]
        found: list[tuple[str, int, int]] = []
        victims: set[str] = set()
        for mention in mentions:
            role = _role(mention, cues, starts)
            if role in ("victim", "child") and near.protected(mention):
                rule = _DETAIL_RULE[mention.kind]
                if permitted and not sexual:
                    rule = "child_permitted"
                found.append((rule, mention.start, mention.end))
                if mention.kind == "name":
                    victims.add(norm.text[mention.start : mention.end])
            elif role == "accused" and mention.kind in ("name", "relation"):
                found.append(("accused_named", mention.start, mention.end))
        found += _repeats(norm.text, mentions, victims, found)
        found += self._numbers(norm, by)
        if sexual or child:
            found += [("persons_photo", h.start, h.end) for h in by.get("photo", [])]
        findings = _findings(norm, found)
        return GateResult(verdict_of(findings), findings, sexual, child)

    def _in_school(self, text: str, hit: Hit, schools: Iterable[int]) -> bool:
        """Whether only generic words (उच्च माध्यमिक) stand between the child word and a school
        word after it."""
        return any(
            0 <= start - hit.end <= _SCHOOL_NAME
            and all(w in self._generic for w in text[hit.end : start].split())
            for start in schools
        )

    def _numbers(self, norm: Normalised, by: Mapping[str, list[Hit]]) -> list[tuple[str, int, int]]:
        out = []
        official = by.get("official", [])
        for hit in numbers(norm.text):
            if hit.kind == "phone" and any(
                0 <= hit.start - o.end <= _OFFICIAL_REACH for o in official
            ):
                continue
            out.append((hit.kind, hit.start, hit.end))
        out += [("vehicle_registration", h.start, h.end) for h in vehicles(norm.text, self._states)]
        return out


# An age under 18 makes a child: "15-year-old", "15 वर्षीय", "15 साल की", "aged 15", "(15)";
# never "10 years" or "10 वर्ष" alone, which is as often a sentence as an age.
_AGE = re.compile(
    r"(?<!\d)(\d{1,2})(?:\s*-?\s*(?:years?|yrs?)\s*-?\s*old|\s*वर्षीय"
    r"|\s*(?:वर्ष|साल)\s*(?:की|का|के)(?![\u0900-\u097f]))"
    r"|(?:aged|age|उम्र|आयु)\s*:?\s*(\d{1,2})(?!\d)"
    r"|\((\d{1,2})\)"
)


def _minors(text: str) -> list[Hit]:
    out = []
    for match in _AGE.finditer(text):
        age = int(next(g for g in match.groups() if g is not None))
        if age < 18:
            out.append(Hit("child", match.start(), match.end()))
    return out


class _Nearby:
    """Whether the law protects the person a mention is about, judged on the story around it
    (a district bulletin may hold a rape case and a fraud refund: the fraud victim stays
    nameable)."""

    def __init__(self, by: Mapping[str, list[Hit]]) -> None:
        self._starts = {category: sorted(h.start for h in hits) for category, hits in by.items()}

    def _has(self, category: str, mention: Mention) -> bool:
        starts = self._starts.get(category, [])
        i = bisect_left(starts, mention.start - _STORY)
        return i < len(starts) and starts[i] <= mention.end + _STORY

    def protected(self, mention: Mention) -> bool:
        if self._has("sexual_offence", mention):
            return True
        if self._has("child", mention) and any(
            self._has(c, mention) for c in ("victim", "missing", "accused", "protection")
        ):
            return True
        # A victim before the Child Welfare Committee or the Board is a child.
        return self._has("victim", mention) and self._has("protection", mention)


def _by_category(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    out: dict[str, list[Hit]] = {}
    for hit in hits:
        out.setdefault(hit.category, []).append(hit)
    return out


def _role(mention: Mention, cues: list[Hit], starts: list[int]) -> str | None:
    """The role of the nearest cue (`cues` sorted by start, `starts` their starts)."""
    best: tuple[float, Hit] | None = None
    lo = bisect_left(starts, mention.start - _BEFORE - _LONGEST_CUE)
    hi = bisect_right(starts, mention.end + _AFTER)
    nearby = cues[lo:hi]
    for cue in nearby:
        if mention.start <= cue.start < mention.end or cue.start == mention.cue[0]:
            continue
        if cue.end <= mention.start:
            distance: float = mention.start - cue.end
            if distance > _BEFORE:
                continue
        elif cue.start >= mention.end:
            distance = (cue.start - mention.end) * _AFTER_WEIGHT
            if distance > _AFTER:
                continue
        else:
            continue
        if cue.category == "officer" and (distance > _OFFICER_REACH or mention.kind != "name"):
            continue
        distance += _CUE_PENALTY.get(cue.category, 0)
        if best is None or distance < best[0]:
            best = (distance, cue)
    if best is None:
        return None
    cue = best[1]
    role = _ROLE_OF[cue.category]
    if role == "accused" and any(
        c.category == "child"
        and (0 <= cue.start - c.end <= _CHILD_ACCUSED or 0 <= c.start - cue.end <= _CHILD_ACCUSED)
        for c in nearby
    ):
        return "child"  # a child in conflict with law (नाबालिग आरोपी, juvenile accused)
    return role


def _repeats(
    text: str, mentions: Iterable[Mention], victims: set[str], found: list[tuple[str, int, int]]
) -> list[tuple[str, int, int]]:
    """Every other mention of a protected person's name, wherever it stands."""
    flagged = {(s, e) for _, s, e in found}
    return [
        ("victim_name", m.start, m.end)
        for m in mentions
        if m.kind == "name" and text[m.start : m.end] in victims and (m.start, m.end) not in flagged
    ]


def _findings(norm: Normalised, found: Iterable[tuple[str, int, int]]) -> tuple[Finding, ...]:
    """Findings on the original text; overlapping spans of one rule become one."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for rule, start, end in sorted(found, key=lambda f: (f[1], f[2])):
        s, e = norm.span(start, end)
        merged = spans.setdefault(rule, [])
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    out = [
        Finding(rule, s, e, norm.original[s:e]) for rule, items in spans.items() for s, e in items
    ]
    return tuple(sorted(out, key=lambda f: (f.start, f.end, f.rule)))
