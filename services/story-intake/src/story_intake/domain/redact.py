"""Redaction: chosen findings' spans replaced by a marker, in the language of the text."""

from __future__ import annotations

from collections.abc import Iterable

from story_intake.domain.rules import Finding

MARK_HI = "[हटाया गया]"
MARK_EN = "[redacted]"


def marker_for(text: str) -> str:
    """The Hindi marker for a text mostly in Devanagari, else the English one."""
    devanagari = sum(1 for c in text if "\u0900" <= c <= "\u097f")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return MARK_HI if devanagari > latin else MARK_EN


def redact(text: str, findings: Iterable[Finding], marker: str | None = None) -> str:
    """`text` with each finding's span (overlapping spans merged) replaced by one marker."""
    mark = marker or marker_for(text)
    spans: list[tuple[int, int]] = []
    for start, end in sorted((f.start, f.end) for f in findings):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    out, at = [], 0
    for start, end in spans:
        out.append(text[at:start])
        out.append(mark)
        at = end
    out.append(text[at:])
    return "".join(out)
