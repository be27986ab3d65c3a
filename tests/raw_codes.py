"""Finds raw codes in what a person reads on a page: where a name exists, no page shows a role
code (`home_secretary`, `adg`, `sp`), a unit-kind code (`police_station`, `district`), a unit code
(`DST-BIKANER`) or a member id (`m-m3qdeqa32…`) instead (issue 20).

`raw_codes(text)` takes the page's visible text (`await page.inner_text("body")`: hidden elements,
attributes, option values and the page data are not in it) and answers the codes it finds.
English prose uses words that are also codes ("the district's members"), so a plain word is a
code only when it stands alone as a piece of text between the separators a page puts around a
name (a table cell, "role · unit", "(…)"); codes no sentence contains — with an underscore, the
short rank codes, unit codes and member ids — count wherever they stand.
"""

from __future__ import annotations

import re
from typing import Protocol

from nazar_contracts.vocabulary import Role, UnitKind

ROLE_CODES = frozenset(str(r) for r in Role)
UNIT_KIND_CODES = frozenset(str(k) for k in UnitKind)
CODES = ROLE_CODES | UNIT_KIND_CODES
# A member id (roster.domain.ids: "m-" and base32 of a digest) and a unit code with the prefix of
# its kind (roster.domain.ids.UNIT_PREFIX; the state unit's code has none and is a name, "PHQ").
MEMBER_ID = re.compile(r"(?<![\w-])m-[a-z2-7]{6,}(?![\w-])")
UNIT_CODE = re.compile(r"(?<![\w-])(?:RNG|CP|DST|CIR|PS|BR)-[A-Z0-9][A-Z0-9-]*(?![\w-])")
# Codes no English or Hindi sentence contains: an underscore, or the short ranks.
_SHORT_RANKS = {"adg", "ig", "sp", "sho", "asi", "dysp"}
_ANYWHERE = sorted({c for c in CODES if "_" in c} | _SHORT_RANKS, key=len, reverse=True)
ANYWHERE = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, _ANYWHERE)) + r")(?![\w-])")
# What a page puts around a name: cells and lines, "role · unit", "name (role)", lists.
SEPARATORS = re.compile(r"[\n\t·•|,;:()\[\]—–/]+")


def raw_codes(text: str) -> list[str]:
    """The raw codes in `text`, in order of appearance (empty when every name is a name)."""
    return [code for _, code in found_in(text)]


def found_in(text: str) -> list[tuple[int, str]]:
    """(position, code) of each raw code in `text`, in order of appearance."""
    found: list[tuple[int, str]] = []
    for pattern in (MEMBER_ID, UNIT_CODE, ANYWHERE):
        found += [(m.start(), m.group()) for m in pattern.finditer(text)]
    position = 0
    for piece in SEPARATORS.split(text):
        at = text.index(piece, position)
        position = at + len(piece)
        word = piece.strip()
        if word in CODES and not ANYWHERE.fullmatch(word):
            found.append((at, word))
    return sorted(found)


class _Page(Protocol):
    async def inner_text(self, selector: str) -> str: ...


async def codes_on(page: _Page) -> list[str]:
    """The raw codes on a browser page as a person sees it (Playwright's `Page`), each with the
    text around it (a failing assertion shows where it stands)."""
    text = await page.inner_text("body")
    return [
        f"{code}: …{text[max(0, at - 60) : at + len(code) + 20]}…" for at, code in found_in(text)
    ]
