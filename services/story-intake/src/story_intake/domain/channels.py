"""The PHQ cell's channels and each network's limits on a text, pure.

One version per channel: the three official accounts (X, Facebook, Instagram) take one text
each; the internal circulation takes a title and a text in Hindi and/or English. The limits:

* X: 280 by X's weighted count (`twitter-text-parser`, the twitter-text v3 configuration:
  Devanagari and Latin 1 per code point, a URL 23 whatever its length, an emoji 2).
* Instagram: a caption of at most 2,200 characters and at most `hashtag_limit` hashtags (a
  setting; Instagram's own ceiling is 30, the cell keeps far fewer).
* Facebook: 63,206 characters per post. Meta's Graph API reference states no number; 63,206 is
  the long-standing limit of the post composer that every published character-limit table gives.
* Circulation: no network limit (it goes as a message through the directive service).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from enum import StrEnum

from nazar_contracts.stories import PublicChannel

with warnings.catch_warnings():
    # It imports pkg_resources (deprecated, hence setuptools < 81) to read its emoji list.
    warnings.simplefilter("ignore", UserWarning)
    from twitter_text import parse_tweet


class Channel(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    CIRCULATION = "circulation"

    @property
    def public(self) -> PublicChannel | None:
        return None if self is Channel.CIRCULATION else PublicChannel(self.value)


X_LIMIT = 280
INSTAGRAM_CAPTION_LIMIT = 2_200
FACEBOOK_LIMIT = 63_206
# A hashtag: '#' at the start or after a space, then anything up to the next space or '#'
# (a Devanagari tag has vowel signs that `\w` does not match).
_HASHTAG = re.compile(r"(?:^|(?<=\s))#[^\s#]+")


@dataclass(frozen=True, slots=True)
class VersionText:
    """What one version holds: `text` for a public channel; a title and a body in Hindi and/or
    English for the circulation."""

    text: str | None = None
    title_hi: str | None = None
    title_en: str | None = None
    body_hi: str | None = None
    body_en: str | None = None

    def parts(self) -> dict[str, str]:
        """The non-empty parts by name, in a fixed order (the gate and the diff go part by part)."""
        named = (
            ("text", self.text),
            ("title_hi", self.title_hi),
            ("title_en", self.title_en),
            ("body_hi", self.body_hi),
            ("body_en", self.body_en),
        )
        return {name: value for name, value in named if value}


class ShapeError(ValueError):
    """A version whose parts do not fit its channel; `code` is a problem code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check_shape(channel: Channel, text: VersionText) -> None:
    """A public channel's version has a text and nothing else; the circulation's has a title and
    a body (each in Hindi or English) and no single text."""
    if channel is Channel.CIRCULATION:
        if text.text or not (text.title_hi or text.title_en) or not (text.body_hi or text.body_en):
            raise ShapeError("story.circulation_shape")
    elif not text.text or text.title_hi or text.title_en or text.body_hi or text.body_en:
        raise ShapeError("story.channel_shape")


@dataclass(frozen=True, slots=True)
class Measure:
    """A text against its channel's limits. `length` is counted as the network counts it."""

    channel: Channel
    length: int
    limit: int | None
    hashtags: int
    hashtag_limit: int | None
    # X: how many numbered parts the text would go as, were the approver to choose a thread.
    thread_parts: int | None = None

    @property
    def too_long(self) -> bool:
        return self.limit is not None and self.length > self.limit

    @property
    def too_many_hashtags(self) -> bool:
        return self.hashtag_limit is not None and self.hashtags > self.hashtag_limit


def x_length(text: str) -> int:
    return int(parse_tweet(text).weightedLength)


# The numbering each part of a thread ends with, " (2/5)": the parts are counted with room for it
# (at most 99 parts, so "(99/99)" is the widest).
def _numbering(parts: int) -> int:
    return len(f" ({parts}/{parts})")


def _longest_prefix(word: str, budget: int) -> int:
    """How many code points of `word` fit the budget (at least one): a prefix only weighs more
    as it grows, so a binary search."""
    low, high = 1, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if x_length(word[:mid]) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def _split(text: str, budget: int) -> list[str]:
    """Greedy, at spaces: as many words as fit the weighted budget in each part; a word longer
    than a whole part is cut at code points. Each word is weighed once: X's count of words
    joined by a space is their counts plus one (a URL or an emoji never spans a space), so a
    long text costs one parse per word, not per candidate part."""
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for word in text.split():
        weight = x_length(word)
        if current and used + 1 + weight <= budget:
            current.append(word)
            used += 1 + weight
            continue
        if current:
            parts.append(" ".join(current))
        rest = word
        while weight > budget:
            cut = _longest_prefix(rest, budget)
            parts.append(rest[:cut])
            rest = rest[cut:]
            weight = x_length(rest)
        current, used = ([rest], weight) if rest else ([], 0)
    if current:
        parts.append(" ".join(current))
    return parts


def x_thread_parts(text: str) -> int:
    """How many parts a text over X's limit makes as a numbered thread (1: it fits). An estimate
    for the approver: the publisher splits the text itself, by the same weighted count."""
    if x_length(text) <= X_LIMIT:
        return 1
    for widest in (9, 99):
        count = len(_split(text, X_LIMIT - _numbering(widest)))
        if count <= widest:
            return count
    return count


def hashtags(text: str) -> int:
    return len(_HASHTAG.findall(text))


def measure(channel: Channel, text: VersionText, hashtag_limit: int) -> Measure:
    body = text.text or ""
    if channel is Channel.X:
        length = x_length(body)
        parts = 1 if length <= X_LIMIT else x_thread_parts(body)
        return Measure(channel, length, X_LIMIT, hashtags(body), None, parts)
    if channel is Channel.INSTAGRAM:
        return Measure(channel, len(body), INSTAGRAM_CAPTION_LIMIT, hashtags(body), hashtag_limit)
    if channel is Channel.FACEBOOK:
        return Measure(channel, len(body), FACEBOOK_LIMIT, hashtags(body), None)
    whole = "".join(text.parts().values())
    return Measure(channel, len(whole), None, hashtags(whole), None)
