"""The difference between two versions of a channel, pure: the text part by part (difflib), and
the images that went with it.

Each part (`text`, `title_hi`, `body_en` ...) gets a list of word-level operations an approver
reads at a glance (kept, added, removed, replaced) and the classic unified diff by line. The
images: the channel's live creatives (the circulation's: the story's photos) when each version
was written, and which were added or removed between them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True, slots=True)
class Image:
    """A photo or creative with when it was live: from `added` until `gone` (None: still is)."""

    sha256: str
    kind: str  # photo | creative
    channel: str | None
    added: datetime
    gone: datetime | None


@dataclass(frozen=True, slots=True)
class ImagesDiff:
    before: tuple[str, ...]
    after: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


def _live_at(images: list[Image], channel: str, at: datetime) -> tuple[str, ...]:
    """What went with the channel's text at `at`: its creatives (the circulation: the photos)."""
    wanted = [
        i
        for i in images
        if (i.kind == "photo" if channel == "circulation" else i.channel == channel)
        and i.added <= at
        and (i.gone is None or i.gone > at)
    ]
    return tuple(i.sha256 for i in sorted(wanted, key=lambda i: i.added))


def diff_images(images: list[Image], channel: str, before: datetime, after: datetime) -> ImagesDiff:
    """Which images went with the channel at each version's time, and which changed."""
    a, b = _live_at(images, channel, before), _live_at(images, channel, after)
    return ImagesDiff(a, b, tuple(s for s in b if s not in a), tuple(s for s in a if s not in b))
