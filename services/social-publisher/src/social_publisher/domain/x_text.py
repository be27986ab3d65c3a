"""X's weighted length and what to do with a text over it: refuse it, or split it into a thread.

The count is X's own (`twitter-text-parser`, the twitter-text v3 configuration, which is what
api.x.com applies to `POST /2/tweets`): a code point in U+0000–U+10FF (Latin, Devanagari — each
matra and virama separately —, …) weighs 1, anything else 2 (CJK), a URL 23 whatever its length,
an emoji sequence 2; the limit is 280.

A thread's parts end with their number, " (1/3)": the first part — the only one most people see
in a timeline or a notification — then opens with the story's own words, and a bracketed number
at the end reads as a note in Hindi as in English. Parts are cut at a sentence end when one lies
in the last half of what fits, else at a space, and only for a single "word" longer than a whole
part between grapheme clusters (`regex`'s `\\X`, Unicode's extended grapheme clusters: a
Devanagari conjunct such as क्ष or त्रि, an emoji ZWJ family, a flag stay whole). A URL or a
hashtag is never cut: a URL weighs 23 and a hashtag longer than a part is refused.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import regex

from social_publisher.domain.social import ErrorKind, Network, SocialError

with warnings.catch_warnings():
    # It imports pkg_resources (deprecated, hence setuptools < 81) to read its emoji list.
    warnings.simplefilter("ignore", UserWarning)
    from twitter_text import extract_urls_with_indices, parse_tweet
    from twitter_text.config import config as _twitter_config

__all__ = ["X_LIMIT", "XText", "plan", "too_long", "weighted_length"]

X_LIMIT = 280
_CONFIG = _twitter_config["version3"]
# Sentence ends: Latin punctuation, the Devanagari danda and double danda.
_SENTENCE_END = re.compile(r"[.!?।॥][\"'”’)\]]*$")
# As story-intake counts them: '#' at the start or after a space, up to the next space or '#'
# (a Devanagari tag has vowel signs that `\w` does not match).
_HASHTAG = re.compile(r"(?:^|(?<=\s))#[^\s#]+")
_GRAPHEME = regex.compile(r"\X")


def weighted_length(text: str) -> int:
    return int(parse_tweet(text, _CONFIG).weightedLength)


def _fits(text: str) -> bool:
    return bool(parse_tweet(text, _CONFIG).valid)


@dataclass(frozen=True)
class XText:
    """The posts to make, in order: one, or a numbered thread."""

    parts: tuple[str, ...]
    weighted_length: int  # of the whole text, as approved

    @property
    def is_thread(self) -> bool:
        return len(self.parts) > 1


def too_long(weighted: int, limit: int = X_LIMIT) -> SocialError:
    return SocialError(
        kind=ErrorKind.REFUSED,
        network=Network.X,
        code="too_long",
        reason=(
            f"X की गिनती से पाठ {weighted} का है और सीमा {limit} है: पाठ छोटा करें या थ्रेड चुनें। "
            f"The text is {weighted} by X's count and the limit is {limit}: "
            "shorten it or choose a thread."
        ),
    )


def _refused(code: str, hindi: str, english: str) -> SocialError:
    return SocialError(ErrorKind.REFUSED, Network.X, code, f"{hindi} {english}")


def plan(text: str, *, thread: bool) -> XText | SocialError:
    """The posts for `text`: itself when it fits; else a numbered thread when `thread`, else the
    REFUSED error naming the weighted length and the limit. Pure; every part is checked with the
    same parser, its number included."""
    body = text.strip()
    if not body:
        return _refused("empty", "पाठ खाली है।", "The text is empty.")
    parsed = parse_tweet(body, _CONFIG)
    weighted = int(parsed.weightedLength)
    if parsed.valid:
        return XText((body,), weighted)
    if weighted <= X_LIMIT:
        return _refused(
            "invalid_character",
            "पाठ में ऐसा अक्षर है जिसे X स्वीकार नहीं करता; उसे हटाएँ।",
            "The text holds a character X does not accept; remove it.",
        )
    if not thread:
        return too_long(weighted)
    return _thread(body, weighted)


def _atoms(text: str) -> list[str]:
    """The text as pieces never cut: URLs, hashtags, runs of spaces, and otherwise grapheme
    clusters. Spaces are their own atoms: the places a part may end."""
    keep: list[tuple[int, int]] = [
        (int(u["indices"][0]), int(u["indices"][1])) for u in extract_urls_with_indices(text)
    ]
    keep += [(m.start(), m.end()) for m in _HASHTAG.finditer(text)]
    keep.sort()
    atoms: list[str] = []
    pos = 0
    for start, end in keep:
        if start < pos:  # a hashtag inside a URL's fragment: the URL already holds it
            continue
        atoms += _clusters(text[pos:start])
        atoms.append(text[start:end])
        pos = end
    atoms += _clusters(text[pos:])
    return atoms


def _clusters(chunk: str) -> list[str]:
    out: list[str] = []
    for cluster in _GRAPHEME.findall(chunk):
        if out and cluster.isspace() and out[-1].isspace():
            out[-1] += cluster
        else:
            out.append(cluster)
    return out


def _words(atoms: list[str]) -> list[str]:
    """Atoms joined into words and the spaces between them (a space is its own item)."""
    words: list[str] = []
    for atom in atoms:
        if atom.isspace() or not words or words[-1].isspace():
            words.append(atom)
        else:
            words[-1] += atom
    return words


def _suffix(index: int, total: int) -> str:
    return f" ({index}/{total})"


def _thread(body: str, weighted: int) -> XText | SocialError:
    # The number's width is not known before the split: try with room for a total of 9, then
    # 99, …; a wider number only ever costs room, so the first width that holds the count wins.
    for digits in (1, 2, 3):
        widest = "9" * digits
        parts = _split(body, _suffix(int(widest), int(widest)))
        if isinstance(parts, SocialError):
            return parts
        if len(str(len(parts))) <= digits:
            total = len(parts)
            numbered = tuple(p + _suffix(i, total) for i, p in enumerate(parts, start=1))
            if not all(_fits(p) for p in numbered):  # the split's own promise, checked again
                return too_long(weighted)
            return XText(numbered, weighted)
    return too_long(weighted)


def _split(body: str, widest_suffix: str) -> list[str] | SocialError:
    words = _words(_atoms(body))
    parts: list[str] = []
    i = 0
    while i < len(words):
        while i < len(words) and words[i].isspace():
            i += 1
        if i == len(words):
            break
        end = _longest_fit(words, i, widest_suffix)
        if end == i:  # one word longer than a whole part
            first = words[i]
            if first.startswith("#") or extract_urls_with_indices(first):
                return _refused(
                    "unsplittable",
                    "एक हैशटैग या लिंक अकेले ही X की सीमा से लंबा है।",
                    "A hashtag or link alone is longer than X allows.",
                )
            head, tail = _cut_word(first, widest_suffix)
            parts.append(head)
            words[i] = tail
            continue
        end = _prefer_sentence_end(words, i, end)
        parts.append("".join(words[i:end]).strip())
        i = end
    return parts


def _longest_fit(words: list[str], start: int, suffix: str) -> int:
    """The end index (exclusive) of the longest run of whole words from `start` that fits with
    the suffix; `start` when not even the first word does."""
    best = start
    text = ""
    for j in range(start, len(words)):
        text += words[j]
        if words[j].isspace():
            continue
        if _fits(text.strip() + suffix):
            best = j + 1
        elif weighted_length(text) > X_LIMIT:
            break
    return best


def _prefer_sentence_end(words: list[str], start: int, end: int) -> int:
    if end >= len(words):
        return end
    fitted = weighted_length("".join(words[start:end]))
    for j in range(end, start, -1):
        word = words[j - 1]
        if word.isspace() or not _SENTENCE_END.search(word):
            continue
        if weighted_length("".join(words[start:j])) * 2 >= fitted:
            return j
        break
    return end


def _cut_word(word: str, suffix: str) -> tuple[str, str]:
    clusters = _GRAPHEME.findall(word)
    head = ""
    for n, cluster in enumerate(clusters):
        if not _fits(head + cluster + suffix):
            return head, "".join(clusters[n:])
        head += cluster
    return head, ""
