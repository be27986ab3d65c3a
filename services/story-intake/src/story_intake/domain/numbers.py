"""Numbers that identify a citizen: Aadhaar numbers, private phone numbers, e-mail addresses, and
vehicle registration marks (a person judges those).

Digits are read as runs: digits with at most two separators between them (spaces, hyphens, dots,
brackets), so that "9 8 7 6 5-4 3 2 1 0" is one run of ten digits. Within a run only windows
that begin and end at a group boundary are tried, so that an Aadhaar number written after a year
("2024 2341 2341 2346") is found and a random window of a long reference number is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum.in_ import aadhaar

_RUN = re.compile(r"\+?\d(?:[ \-.()]{0,2}\d)*")
_GROUP = re.compile(r"\d+")
_EMAIL = re.compile(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
# Offices publish their addresses: a state or national government domain is not a citizen's.
_OFFICIAL_MAIL = re.compile(r"@(?:[a-z0-9\-]+\.)*(?:gov\.in|nic\.in|police\.gov\.in)$")
_PRIVATE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


@dataclass(frozen=True, slots=True)
class NumberHit:
    kind: str  # aadhaar | phone | email | vehicle
    start: int
    end: int  # exclusive, in the normalised text


def _windows(text: str, run: re.Match[str]) -> Iterator[tuple[str, int, int]]:
    """(digits, start, end) for every stretch of whole groups of the run, longest first."""
    groups = [
        (g.group(), run.start() + g.start(), run.start() + g.end())
        for g in _GROUP.finditer(run.group())
    ]
    found = []
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][0]
            if len(digits) > 13:
                break
            found.append((digits, groups[i][1], groups[j][2]))
    found.sort(key=lambda w: -len(w[0]))
    yield from found


def _is_aadhaar(digits: str) -> bool:
    return len(digits) == 12 and aadhaar.is_valid(digits)


def _is_phone(digits: str, plus: bool) -> bool:
    if len(digits) < 10:
        return False
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, "IN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.number_type(number) in _PRIVATE_TYPES
    )


def numbers(text: str) -> list[NumberHit]:
    """Aadhaar numbers, phone numbers and e-mail addresses in normalised text."""
    hits: list[NumberHit] = []
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 10:
            continue  # fewer than ten digits: neither an Aadhaar nor a phone number
        taken: list[tuple[int, int]] = []
        plus = run.group().startswith("+")
        for digits, start, end in _windows(text, run):
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            kind = "aadhaar" if _is_aadhaar(digits) else None
            if kind is None and _is_phone(digits, plus and start == run.start() + 1):
                kind = "phone"
            if kind is not None:
                # A phone number's span takes its "+" along.
                at_plus = plus and start == run.start() + 1
                first = run.start() if kind == "phone" and at_plus else start
                taken.append((first, end))
                hits.append(NumberHit(kind, first, end))
    for mail in _EMAIL.finditer(text):
        if not _OFFICIAL_MAIL.search(mail.group()):
            hits.append(NumberHit("email", mail.start(), mail.end()))
    return sorted(hits, key=lambda h: h.start)


def vehicles(text: str, states: frozenset[str]) -> list[NumberHit]:
    """Registration marks (RJ-07-CA-1234, rj 14 c 1234, RJ07CA1234) of the given state codes."""
    hits = []
    for match in _VEHICLE.finditer(text):
        if match.group(1) in states:
            hits.append(NumberHit("vehicle", match.start(), match.end()))
    return hits


# State code, district (Delhi adds a letter: DL-3C), series, number; up to two separators each.
_VEHICLE = re.compile(
    r"(?<![a-z0-9])([a-z]{2})[ \-.]{0,2}(\d{1,2}[a-z]?)[ \-.]{0,2}([a-z]{1,3})[ \-.]{0,2}"
    r"(\d{1,4})(?![a-z0-9])"
)
