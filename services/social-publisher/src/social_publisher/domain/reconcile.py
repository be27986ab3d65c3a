"""Reconciliation: did an unclear call post after all? Read back the account's recent posts and
look for ours.

A remote post is ours when its normalised text equals ours (for a thread: the first part, its
"1/N" number aside, is the start of ours) and it was created inside the attempt's time window
(from a little before the call to now: the network's clock and ours differ). Networks rewrite a
text a little on the way: X shortens every link to a t.co address, line ends and runs of spaces
change; so links become one placeholder and white space one space before comparing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from social_publisher.domain.social import RemotePost

_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")
# A thread's first part carries its number, "1/3 " in front or " (1/3)" at the end.
_FIRST_MARK = re.compile(r"^1/\d+\s+|\s*\(1/\d+\)$")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub("<link>", text)
    return _SPACE.sub(" ", text).strip()


def is_ours(ours: str, remote: str, *, thread: bool) -> bool:
    mine, theirs = normalise(ours), normalise(remote)
    if not theirs:
        return False
    if mine == theirs:
        return True
    if not thread:
        return False
    first, marks = _FIRST_MARK.subn("", theirs)
    first = first.strip()
    # The part ends at a word boundary of ours (a split never cuts a word), or mid-word with an
    # ellipsis the splitter added.
    first = first.removesuffix("…").strip()
    return marks == 1 and bool(first) and mine.startswith(first)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def of_attempt(cls, started_at: datetime, now: datetime, skew: timedelta) -> Window:
        return cls(started_at - skew, now + skew)

    def holds(self, at: datetime) -> bool:
        return self.start <= at <= self.end


def find(
    posts: Sequence[RemotePost], text: str, window: Window, *, thread: bool
) -> RemotePost | None:
    """The earliest remote post in the window that is ours, if any."""
    mine = [p for p in posts if window.holds(p.created_at) and is_ours(text, p.text, thread=thread)]
    return min(mine, key=lambda p: p.created_at) if mine else None


class Verdict(StrEnum):
    POSTED = "posted"
    WAIT = "wait"  # not seen yet, but a network may show a new post only after a moment
    NOT_POSTED = "not_posted"


def verdict(
    found: RemotePost | None, *, started_at: datetime, now: datetime, settle: timedelta
) -> Verdict:
    if found is not None:
        return Verdict.POSTED
    return Verdict.NOT_POSTED if now >= started_at + settle else Verdict.WAIT
