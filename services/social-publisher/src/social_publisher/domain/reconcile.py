"""Reconciliation: did an unclear call post after all? Read back the account's recent posts and
look for ours.

A remote post is ours when its normalised text equals ours (for an X thread: each part, as X's
splitter numbers it, in order) and it was created inside the attempt's time window (from a
little before the call to now: the network's clock and ours differ). A thread found in part is
resumed after its last part found, never posted again from its start. Networks rewrite a
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


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub("<link>", text)
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def of_attempt(cls, started_at: datetime, now: datetime, skew: timedelta) -> Window:
        return cls(started_at - skew, now + skew)

    def holds(self, at: datetime) -> bool:
        return self.start <= at <= self.end


def is_ours(ours: str, remote: str) -> bool:
    theirs = normalise(remote)
    return bool(theirs) and normalise(ours) == theirs


def find_parts(
    posts: Sequence[RemotePost],
    parts: Sequence[str],
    window: Window,
    known: Sequence[str] = (),
) -> tuple[RemotePost, ...]:
    """The remote posts that are our parts, in order, after the `known` ones (ids the network
    already gave us): the longest run found, each the earliest match in the window created no
    earlier than the part before it. One part for a post; X's numbered parts for a thread."""
    taken = set(known)
    found: list[RemotePost] = []
    after = window.start
    for part in parts[len(known) :]:
        mine = [
            p
            for p in posts
            if p.provider_post_id not in taken
            and window.holds(p.created_at)
            and p.created_at >= after
            and is_ours(part, p.text)
        ]
        if not mine:
            break
        first = min(mine, key=lambda p: p.created_at)
        found.append(first)
        taken.add(first.provider_post_id)
        after = first.created_at
    return tuple(found)


class Verdict(StrEnum):
    POSTED = "posted"
    WAIT = "wait"  # not seen yet, but a network may show a new post only after a moment
    NOT_POSTED = "not_posted"


def verdict(complete: bool, *, started_at: datetime, now: datetime, settle: timedelta) -> Verdict:
    """POSTED when every part is on the account; else wait for the network to show what it may
    still be adding, then NOT_POSTED (what is missing is posted again; the parts found are not)."""
    if complete:
        return Verdict.POSTED
    return Verdict.NOT_POSTED if now >= started_at + settle else Verdict.WAIT
