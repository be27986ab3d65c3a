"""What counts as acceptable text anywhere Nazar takes it in (paths, queries, headers, JSON, CSV).

PostgreSQL refuses NUL in text and UTF-8 cannot carry a lone surrogate, so such input would fail
deep inside a handler (a 500). Other C0 controls and Unicode noncharacters are never meant as text
by a person; they are refused too. Tab, line feed and carriage return are text.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but \t \n \r, DEL, lone surrogates, and the noncharacters U+FDD0..U+FDEF and
# U+xFFFE / U+xFFFF of every plane. Two expressions, because a character class that lists
# characters beyond the BMP is matched an order of magnitude slower than one that does not (an
# import checks every cell of 300,000 rows): the planes above the BMP are looked at only in text
# that has characters there.
_BMP_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
_ASTRAL_CHARS = "".join(f"{chr(p << 16 | 0xFFFE)}{chr(p << 16 | 0xFFFF)}" for p in range(1, 17))
_INVALID = re.compile(f"[{_BMP_CHARS}{_ASTRAL_CHARS}]")  # the definition, for replacing
_INVALID_BMP = re.compile(f"[{_BMP_CHARS}]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_INVALID_ASTRAL = re.compile(f"[{_ASTRAL_CHARS}]")


def first_invalid(text: str) -> int | None:
    """The index of the first character that is not acceptable text, or None."""
    if text.isprintable():  # the common case, in C: no control, surrogate or unassigned character
        return None
    found = _INVALID_BMP.search(text)
    at = None if found is None else found.start()
    astral = _ASTRAL.search(text, 0, len(text) if at is None else at)
    if astral is not None:
        beyond = _INVALID_ASTRAL.search(text, astral.start(), len(text) if at is None else at)
        if beyond is not None:
            at = beyond.start()
    return at


def describe(char: str) -> str:
    """A character as a person can read it in an error message: `U+0000`."""
    return f"U+{ord(char):04X}"


def replace_invalid(text: str, by: str = "\ufffd") -> str:
    """`text` with each unacceptable character replaced: for recording what was refused (the
    audit trail keeps the path of a request refused for a NUL in it)."""
    return _INVALID.sub(by, text)


def clean_strings(document: Any) -> Any:
    """A parsed JSON document with every unacceptable character of its strings (keys too)
    replaced by U+FFFD: for text we must keep though it came with junk (a provider's report of a
    member's reply)."""
    if isinstance(document, str):
        return replace_invalid(document)
    if isinstance(document, list):
        return [clean_strings(item) for item in document]
    if isinstance(document, dict):
        return {replace_invalid(k): clean_strings(v) for k, v in document.items()}
    return document
