"""Instagram's rules for a feed post, checked before any call (pure).

Every failure is a REFUSED `SocialError` in words the PHQ cell can act on (what is wrong, what to
change), so that a post Instagram would refuse never costs a container, a poll or a place in the
rolling 24-hour publishing quota. Sources (checked with the docs search, 2026-12):
* JPEG only, judged by the content, not the name: the images of posts and carousel frames are
  JPEG, "the format is checked by the content of the file, not by the extension in the link"
  (green-api.com/en/instagram/docs/faq/instagram-media-limits); we read the bytes' signature.
* Size: "The image is too large to download. It should be less than 8 MiB." (error 36000,
  subcode 2207004), developers.facebook.com/docs/instagram-platform/instagram-graph-api/
  reference/error-codes.
* Aspect ratio 4:5 (0.8) to 1.91:1 for feed images, carousels of 2 to 10 frames (green-api's
  page above; docs.getlate.dev/resources/media-guidelines/instagram: "Allowed range: 0.8 (4:5)
  to 1.91").
* Caption at most 2,200 characters (ayrshare.com/apis/post/social-networks/instagram).
* Hashtags: Instagram lowered the limit from 30 to 5 per post and reel in December 2025 (its
  @creators announcement, reported e.g. routenote.com/blog/Instagram-hashtags); the setting
  NAZAR_INSTAGRAM_HASHTAG_LIMIT defaults to that real limit, 5.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from social_publisher.domain.social import Creative, ErrorKind, Network, PostRequest, SocialError

MAX_IMAGE_BYTES = 8 * 1024 * 1024  # 8 MiB (error 2207004)
MIN_ASPECT = 4 / 5  # width / height, the tallest feed image
MAX_ASPECT = 1.91  # the widest
CAPTION_MAX = 2200
CAROUSEL_MIN = 2
CAROUSEL_MAX = 10
# Instagram compares the rounded ratio: 1080 x 1350 is exactly 0.8, 1080 x 566 is 1.908.
_ASPECT_SLACK = 0.005

# A hashtag starts at "#" not glued to a word (so "C#" or "a#b" are not tags) and runs to the
# next space or "#"; Devanagari tags ("#राजस्थान_पुलिस") count like any other.
_HASHTAG = re.compile(r"(?<![\w#&])#[^\s#]+")
_JPEG_SOI = b"\xff\xd8\xff"
# Start-of-frame markers carry the dimensions (baseline, progressive, …; not DHT/JPG/DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class InstagramRules:
    hashtag_limit: int = 5


def hashtags(text: str) -> list[str]:
    return _HASHTAG.findall(text)


def is_jpeg(data: bytes) -> bool:
    return data.startswith(_JPEG_SOI)


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first start-of-frame segment; None when it cannot be read."""
    if not is_jpeg(data):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        if marker == 0xDA:  # start of scan without a frame before it
            return None
        i += 2 + length
    return None


def _refused(code: str, reason: str) -> SocialError:
    return SocialError(kind=ErrorKind.REFUSED, network=Network.INSTAGRAM, code=code, reason=reason)


def _image_refusal(n: int, creative: Creative) -> SocialError | None:
    which = f"Image {n}" if n else "The image"
    if not is_jpeg(creative.content):
        return _refused(
            "jpeg_only",
            f"{which} is not a JPEG ({creative.media_type}). Instagram publishes JPEG images "
            "only: export the creative as JPEG and attach it again.",
        )
    if creative.size > MAX_IMAGE_BYTES or len(creative.content) > MAX_IMAGE_BYTES:
        mib = len(creative.content) / (1024 * 1024)
        return _refused(
            "image_too_large",
            f"{which} is {mib:.1f} MiB; Instagram takes images under 8 MiB. Export it smaller "
            "(1080 pixels wide is enough) and attach it again.",
        )
    size = jpeg_size(creative.content)
    if size is None:
        return _refused(
            "image_unreadable",
            f"{which}'s dimensions cannot be read from the JPEG. Export it again and attach it.",
        )
    width, height = size
    ratio = width / height
    if ratio < MIN_ASPECT - _ASPECT_SLACK or ratio > MAX_ASPECT + _ASPECT_SLACK:
        return _refused(
            "aspect_ratio",
            f"{which} is {width} x {height} pixels (ratio {ratio:.2f}); Instagram feed images "
            "must be between 4:5 (0.80, e.g. 1080 x 1350) and 1.91:1 (e.g. 1080 x 566). Crop "
            "it into that range and attach it again.",
        )
    return None


def refusal(post: PostRequest, rules: InstagramRules) -> SocialError | None:
    """Why Instagram would refuse this post, or None when it may be sent."""
    if len(post.text) > CAPTION_MAX:
        return _refused(
            "caption_too_long",
            f"The caption has {len(post.text)} characters; Instagram allows {CAPTION_MAX}. "
            f"Shorten the Instagram version by {len(post.text) - CAPTION_MAX} characters.",
        )
    tags = hashtags(post.text)
    if len(tags) > rules.hashtag_limit:
        return _refused(
            "too_many_hashtags",
            f"The caption has {len(tags)} hashtags ({' '.join(tags)}); at most "
            f"{rules.hashtag_limit} are allowed on Instagram. Keep the most relevant ones.",
        )
    count = len(post.creatives)
    if count == 0:
        return _refused(
            "image_missing",
            "An Instagram post needs an image: attach a JPEG creative for Instagram.",
        )
    if count > CAROUSEL_MAX:
        return _refused(
            "carousel_too_long",
            f"{count} images are attached; an Instagram carousel holds {CAROUSEL_MIN} to "
            f"{CAROUSEL_MAX}. Remove {count - CAROUSEL_MAX}.",
        )
    for n, creative in enumerate(post.creatives, start=1 if count > 1 else 0):
        found = _image_refusal(n, creative)
        if found is not None:
            return found
    return None
