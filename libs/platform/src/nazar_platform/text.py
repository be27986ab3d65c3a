"""What counts as acceptable text anywhere Nazar takes it in (paths, queries, headers, JSON, CSV).

PostgreSQL refuses NUL in text and UTF-8 cannot carry a lone surrogate, so such input would fail
deep inside a handler (a 500). Other C0 controls and Unicode noncharacters are never meant as text
by a person; they are refused too. Tab, line feed and carriage return are text.
"""

from __future__ import annotations

import re

# C0 controls but \t \n \r, DEL, lone surrogates, and the noncharacters U+FDD0..U+FDEF and
# U+xFFFE / U+xFFFF of every plane. Two expressions, because a character class that lists
# characters beyond the BMP is matched an order of magnitude slower than one that does not (an
# import checks every cell of 300,000 rows): the planes above the BMP are looked at only in text
# that has characters there.
_INVALID_BMP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_INVALID_ASTRAL = re.compile(
    "["
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


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
