"""Message text for the channels: template parameters, SMS notices, GSM-7 / UCS-2 segments.

WhatsApp refuses a template body parameter that holds a newline, a tab or more than four
consecutive spaces (error details "Param text cannot have new-line/tab characters or more than 4
consecutive spaces"), so multi-line Hindi bodies are flattened; a hydrated template body is
limited to 1,024 characters, so a long body is shortened at a word boundary and the template's
link to the member's inbox carries the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
_ELLIPSIS = "…"
# Devanagari virama and nukta, and the marks a cut must not separate from their base letter.
_JOINERS = {"\u094d", "\u093c", "\u200d", "\u200c"}


def flatten(text: str) -> str:
    """One line: every run of whitespace (newlines, tabs, many spaces) becomes one space."""
    return _WHITESPACE.sub(" ", text).strip()


def _safe_cut(text: str, end: int) -> int:
    """An index <= end that does not split a grapheme (a letter from its vowel signs)."""
    while 0 < end < len(text) and (
        unicodedata.category(text[end]) in ("Mn", "Mc", "Me") or text[end - 1] in _JOINERS
    ):
        end -= 1
    return end


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    room = max(1, limit - len(_ELLIPSIS))
    space = text.rfind(" ", 0, room + 1)
    cut = space if space >= room // 2 else _safe_cut(text, room)
    return text[:cut].rstrip() + _ELLIPSIS


def template_parameter(text: str, limit: int) -> str:
    """A body parameter WhatsApp accepts: flattened, never empty, shortened to `limit`."""
    return shorten(flatten(text), limit) or "-"


def parameter_problem(text: str) -> str | None:
    """Why WhatsApp would refuse this body parameter (the fake provider uses it too)."""
    if not text:
        return "Param text cannot be empty"
    if "\n" in text or "\t" in text or "     " in text:
        return "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
    return None


OPT_OUT_WORDS = frozenset({"stop", "बंद", "बन्द", "unsubscribe"})


def is_opt_out(text: str | None) -> bool:
    return text is not None and flatten(text).strip(" .!।").casefold() in OPT_OUT_WORDS


# GSM 03.38 default alphabet and its extension table (each extension character costs two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str  # "gsm7" | "ucs2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    parts: int


def count_segments(text: str) -> Segments:
    """SMS parts: GSM-7 160 in one part / 153 per part; UCS-2 70 / 67 (user data header)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "ucs2"
    parts = 1 if units <= single else -(-units // multi)
    return Segments(encoding, units, parts)


def sms_variable(text: str, limit: int = 30) -> str:
    """A DLT `{#var#}` value: one line, at most 30 characters (the DLT variable limit)."""
    return shorten(flatten(text), limit)
