"""What counts as acceptable text anywhere Nazar takes it in (paths, queries, headers, JSON, CSV).

PostgreSQL refuses NUL in text and UTF-8 cannot carry a lone surrogate, so such input would fail
deep inside a handler (a 500). Other C0 controls and Unicode noncharacters are never meant as text
by a person; they are refused too. Tab, line feed and carriage return are text.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but \t \n \r, DEL, lone surrogates, and the noncharacters U+FDD0..U+FDEF and
# U+xFFFE / U+xFFFF of every plane.
_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def first_invalid(text: str) -> int | None:
    """The index of the first character that is not acceptable text, or None."""
    found = _INVALID.search(text)
    return None if found is None else found.start()


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
