"""The difference between two versions of a channel, part by part, pure (difflib).

Each part (`text`, `title_hi`, `body_en` ...) gets a list of word-level operations an approver
reads at a glance (kept, added, removed, replaced) and the classic unified diff by line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Words and the spaces between them, so joining the pieces gives back the text exactly.
_PIECES = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # equal | insert | delete | replace
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class PartDiff:
    part: str
    changed: bool
    ops: tuple[Op, ...]
    unified: tuple[str, ...]


def diff_part(part: str, before: str, after: str) -> PartDiff:
    a, b = _PIECES.findall(before), _PIECES.findall(after)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops = tuple(
        Op(tag, "".join(a[i1:i2]), "".join(b[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    )
    unified = tuple(
        line.rstrip("\n")
        for line in difflib.unified_diff(
            before.splitlines(), after.splitlines(), part, part, lineterm=""
        )
    )
    return PartDiff(part, before != after, ops, unified)


def diff_parts(before: dict[str, str], after: dict[str, str]) -> list[PartDiff]:
    """Every part either side has, in the order of `after` then parts only `before` had."""
    names = list(after) + [p for p in before if p not in after]
    return [diff_part(p, before.get(p, ""), after.get(p, "")) for p in names]
