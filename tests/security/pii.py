"""Where personal data must not be: the search of issue 19 item 11, free of I/O.

`Finder` holds the members' phone numbers (from roster.contacts.v1) and finds them in any text,
however written: E.164, with or without +91 or 91, spaced or hyphenated, in Latin or Devanagari
digits. Aadhaar numbers are any twelve digits standing alone that pass Verhoeff's check
(python-stdnum), written in three groups of four or together, in either script.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stdnum.in_ import aadhaar

DEVANAGARI_DIGITS = str.maketrans({chr(0x0966 + d): str(d) for d in range(10)})
# A separator inside a number as people write one: "98290 12345", "98290-12345".
_JOINED = re.compile(r"(?<=\d)[ \-](?=\d)")
# Ten digits after an optional country code, not inside a longer run of digits or an id.
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+?91)?(\d{10})(?![0-9A-Za-z])")
# Twelve digits together or in three groups of four with one kind of separator, standing alone
# (not inside an id, a UUID or after a "+"). Twelve digits "91" + an Indian mobile number are a
# phone number written without its "+", not an Aadhaar number.
_AADHAAR = re.compile(
    r"(?<![0-9A-Za-z+\-])([2-9]\d{3}(?:(?P<sep>[ \-])\d{4}(?P=sep)\d{4}|\d{8}))(?![0-9A-Za-z\-])"
)
_PHONE_WITHOUT_PLUS = re.compile(r"91[6-9]\d{9}")


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # phone | aadhaar
    digits: str
    where: str  # what held it: a topic and offset, a log file and line, a table
    context: str = ""  # the text around it, for the person reading a failure


def national(e164: str) -> str:
    """The ten digits of an Indian E.164 number."""
    digits = re.sub(r"\D", "", e164)
    return digits[-10:]


class Finder:
    def __init__(self, phones: Iterable[str]) -> None:
        self.phones = frozenset(national(p) for p in phones)

    def find(self, text: str, where: str) -> list[Hit]:
        if not any(c.isdigit() for c in text):
            return []
        latin = text.translate(DEVANAGARI_DIGITS)
        hits: list[Hit] = []
        for candidate in {latin, _JOINED.sub("", latin)}:
            hits += [
                Hit("phone", m.group(1), where, _around(candidate, m))
                for m in _PHONE.finditer(candidate)
                if m.group(1) in self.phones
            ]
        for m in _AADHAAR.finditer(latin):
            digits = re.sub(r"\D", "", m.group(1))
            if aadhaar.is_valid(digits) and not _PHONE_WITHOUT_PLUS.fullmatch(digits):
                hits.append(Hit("aadhaar", digits, where, _around(latin, m)))
        return sorted(set(hits), key=lambda h: (h.kind, h.digits))


def _around(text: str, m: re.Match[str]) -> str:
    return text[max(0, m.start() - 40) : m.end() + 40]
