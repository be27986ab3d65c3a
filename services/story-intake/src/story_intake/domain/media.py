"""Photos and creatives, pure: what an image may be, who may add, remove, see or clear one, and
each network's rules for a creative.

A photo is the author's (added or removed while the story is a draft or sent back to them); a
creative is the PHQ cell's, one live per channel (a new one replaces the previous, which stays as
history). Whoever may read the story sees both. On a marked story (sexual offence, child) only
an approver confirms, per image, that no person can be identified.

Every refusal is a `MediaRefusalError` whose code is a problem code of `api/problems.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from nazar_contracts.stories import PublicChannel, ReviewLevel

from story_intake.domain.chain import APPROVERS, PHQ_REVIEWERS, Actor, State, Story, reviews_at

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
MEDIA_TYPES = (JPEG, PNG, WEBP)
# Enough of the head of a file to tell the three apart.
SNIFF_BYTES = 16


class MediaRefusalError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def sniff(head: bytes) -> str | None:
    """The image type the bytes are, whatever the name or declared type says."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    return None


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int


def check_upload(head: bytes, size: int, limits: ImageLimits) -> str:
    """The upload's type, or why it is refused before any decoding."""
    if size > limits.max_bytes:
        raise MediaRefusalError("media.too_large", limit_mb=limits.max_bytes // 1_000_000)
    found = sniff(head) if size else None
    if found is None:
        raise MediaRefusalError("media.wrong_type")
    return found


def check_pixels(width: int, height: int, limits: ImageLimits) -> None:
    """Before decoding: a header promising more pixels than we take is a decompression bomb (a
    small file that would fill the memory), refused without decoding it."""
    if width <= 0 or height <= 0:
        raise MediaRefusalError("media.unreadable")
    if width * height > limits.max_pixels:
        raise MediaRefusalError("media.too_many_pixels", megapixels=limits.max_pixels // 1_000_000)


# --- who ------------------------------------------------------------------------------------

PHOTO_STATES = frozenset({State.DRAFT, State.SENT_BACK})


def may_change_photos(story: Story, member_id: str) -> None:
    """Only the author, and only while the story is theirs to change."""
    if member_id != story.author_id:
        raise MediaRefusalError("story.not_author")
    if story.state not in PHOTO_STATES:
        raise MediaRefusalError("media.photos_locked")


def check_photo_count(live: int, per_story: int) -> None:
    if live >= per_story:
        raise MediaRefusalError("media.too_many_photos", limit=per_story)


def may_read(story: Story, actors: list[Actor]) -> bool:
    """The author; the reviewer of the step the story waits at (the CO of its circle, the SP of
    its district, the PHQ cell); the PHQ cell once it reached PHQ (approved included)."""
    if any(a.member_id == story.author_id for a in actors):
        return True
    level = story.level
    if story.state is State.IN_REVIEW and level is not None:
        reviewing = any(reviews_at(a, level, story.place) for a in actors)
        if reviewing:
            return True
    reached_phq = story.level is ReviewLevel.PHQ or story.state is State.APPROVED
    return reached_phq and any(a.role in PHQ_REVIEWERS for a in actors)


def cell_member(story: Story, actors: list[Actor]) -> Actor:
    """The grant through which a PHQ cell member (or approver) works on a story at PHQ."""
    cell = [a for a in actors if a.role in PHQ_REVIEWERS]
    if not cell:
        raise MediaRefusalError("media.not_cell")
    if story.state is not State.IN_REVIEW or story.level is not ReviewLevel.PHQ:
        raise MediaRefusalError("media.not_at_phq")
    return cell[0]


def approver(actors: list[Actor], marked: bool, reason: str | None) -> Actor:
    """The approver confirming that no person can be identified on an image of a marked story
    (`marked`: the story is flagged sexual offence or child involved)."""
    found = [a for a in actors if a.role in APPROVERS]
    if not found:
        raise MediaRefusalError("media.not_approver")
    if not marked:
        raise MediaRefusalError("media.not_marked")
    if not (reason and reason.strip()):
        raise MediaRefusalError("media.reason_required")
    return found[0]


# --- the networks' rules for a creative -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelRules:
    max_bytes: int
    min_side: int
    max_side: int
    # width / height, inclusive bounds
    min_aspect: Fraction
    max_aspect: Fraction
    media_types: tuple[str, ...] = field(default=MEDIA_TYPES)


CHANNEL_RULES: dict[PublicChannel, ChannelRules] = {
    # X: images up to 5 MB through the API (docs.x.com/x-api/media, "Media types & size
    # restrictions"); 4x4 to 8192x8192 px and JPEG, PNG, WebP (Ayrshare's X media guidelines);
    # X's media best practices keep media between 1:3 and 3:1.
    PublicChannel.X: ChannelRules(5_000_000, 4, 8192, Fraction(1, 3), Fraction(3, 1)),
    # Facebook Page feed photos: up to 10 MB, at least 200x200 px, 4:5 (portrait) to 1.91:1
    # (landscape) shown uncropped (getlate.dev's and Ayrshare's Facebook media guidelines, after
    # the Graph API's page/photos reference); wider than 2048 px is scaled down by Facebook.
    PublicChannel.FACEBOOK: ChannelRules(10_000_000, 200, 8192, Fraction(4, 5), Fraction(191, 100)),
    # Instagram feed: 4:5 to 1.91:1, 320 to 1440 px wide (larger is scaled), up to 8 MB
    # (Instagram content publishing limits, as Ayrshare's and getlate.dev's guidelines list them).
    PublicChannel.INSTAGRAM: ChannelRules(8_000_000, 320, 8192, Fraction(4, 5), Fraction(191, 100)),
}


def _ratio(value: Fraction) -> str:
    return f"{float(value):.2f}"


def check_creative(
    channel: PublicChannel, media_type: str, width: int, height: int, size: int
) -> None:
    """A creative that the network would refuse or crop is refused here, saying which rule."""
    rules = CHANNEL_RULES[channel]
    if media_type not in rules.media_types:
        raise MediaRefusalError("media.wrong_type")
    if size > rules.max_bytes:
        raise MediaRefusalError(
            "creative.too_large", channel=str(channel), limit_mb=rules.max_bytes // 1_000_000
        )
    if min(width, height) < rules.min_side or max(width, height) > rules.max_side:
        raise MediaRefusalError(
            "creative.dimensions",
            channel=str(channel),
            min=rules.min_side,
            max=rules.max_side,
        )
    aspect = Fraction(width, height)
    if not rules.min_aspect <= aspect <= rules.max_aspect:
        raise MediaRefusalError(
            "creative.aspect",
            channel=str(channel),
            aspect=_ratio(aspect),
            min=_ratio(rules.min_aspect),
            max=_ratio(rules.max_aspect),
        )


def channel_of(name: str) -> PublicChannel:
    try:
        return PublicChannel(name)
    except ValueError:
        raise MediaRefusalError("creative.unknown_channel") from None
