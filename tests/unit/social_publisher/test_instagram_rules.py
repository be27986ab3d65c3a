"""Instagram's rules checked before any call (domain/instagram.py): each refusal in words the
cell can act on, with real Hindi captions."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from social_publisher.domain.instagram import (
    CAPTION_MAX,
    MAX_IMAGE_BYTES,
    InstagramRules,
    hashtags,
    jpeg_size,
    refusal,
)
from social_publisher.domain.social import Creative, ErrorKind, Network, PostRequest

from tests.hindi import HEADLINE, LEAD
from tests.unit.social_publisher.images import image, jpeg, png

RULES = InstagramRules(hashtag_limit=5)


def creative(data: bytes, media_type: str = "image/jpeg") -> Creative:
    return Creative(
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        size=len(data),
        content=data,
        public_url="https://publisher.example/media/x?token=t",
    )


def post(text: str = HEADLINE, *images: bytes) -> PostRequest:
    return PostRequest(
        post_id="post-1",
        story_id="story-1",
        network=Network.INSTAGRAM,
        account_id="instagram-state",
        text=text,
        creatives=tuple(creative(i) for i in (images or (jpeg(),))),
    )


def refused_code(p: PostRequest, rules: InstagramRules = RULES) -> str | None:
    found = refusal(p, rules)
    if found is None:
        return None
    assert found.kind is ErrorKind.REFUSED and found.network is Network.INSTAGRAM
    assert found.reason  # words, never empty
    return found.code


def test_a_hindi_caption_with_a_portrait_jpeg_may_go() -> None:
    assert refusal(post(f"{HEADLINE}\n\n{LEAD} #राजस्थान_पुलिस #जयपुर"), RULES) is None


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [
        (1080, 1350, True),  # 4:5, the tallest
        (1080, 1080, True),
        (1080, 566, True),  # 1.908:1, the widest
        (1080, 1400, False),  # taller than 4:5
        (1080, 500, False),  # wider than 1.91:1
        (1080, 1920, False),  # 9:16 is a story, not a feed post
    ],
)
def test_the_aspect_ratio_is_4_5_to_1_91(width: int, height: int, ok: bool) -> None:
    code = refused_code(post(HEADLINE, jpeg(width, height)))
    assert code == (None if ok else "aspect_ratio")
    if not ok:
        reason = str(refusal(post(HEADLINE, jpeg(width, height)), RULES).reason)  # type: ignore[union-attr]
        assert f"{width} x {height}" in reason and "Crop" in reason


def test_only_jpeg_by_content_whatever_it_is_called() -> None:
    found = refusal(PostRequest("p", "s", Network.INSTAGRAM, "a", HEADLINE,
                                (creative(png(), "image/jpeg"),)), RULES)  # fmt: skip
    assert found is not None and found.code == "jpeg_only" and "JPEG" in found.reason
    assert refused_code(post(HEADLINE, image(1080, 1080, "WEBP"))) == "jpeg_only"


def test_the_caption_is_at_most_2200_characters() -> None:
    long = (LEAD + " ") * (CAPTION_MAX // len(LEAD) + 1)
    found = refusal(post(long), RULES)
    assert found is not None and found.code == "caption_too_long"
    assert f"by {len(long) - CAPTION_MAX} characters" in found.reason
    assert refused_code(post(long[:CAPTION_MAX])) is None


def test_hashtags_over_the_setting_are_refused_devanagari_counted_like_any() -> None:
    tags = " ".join(f"#टैग{i}" for i in range(6))
    assert hashtags(f"{HEADLINE} {tags} C# a#b") == tags.split()
    found = refusal(post(f"{HEADLINE} {tags}"), RULES)
    assert found is not None and found.code == "too_many_hashtags" and "at most 5" in found.reason
    assert refused_code(post(f"{HEADLINE} {tags}"), InstagramRules(hashtag_limit=6)) is None


def test_a_carousel_holds_two_to_ten_and_each_image_is_checked() -> None:
    assert refused_code(post(HEADLINE, *[jpeg()] * 10)) is None
    assert refused_code(post(HEADLINE, *[jpeg()] * 11)) == "carousel_too_long"
    found = refusal(post(HEADLINE, jpeg(), jpeg(), png()), RULES)
    assert found is not None and found.code == "jpeg_only" and found.reason.startswith("Image 3")
    no_image = PostRequest("p", "s", Network.INSTAGRAM, "a", HEADLINE)
    assert refused_code(no_image) == "image_missing"


def test_an_image_over_8_mib_is_refused() -> None:
    big = jpeg(100, 100) + b"\0" * MAX_IMAGE_BYTES
    found = refusal(post(HEADLINE, big), RULES)
    assert found is not None and found.code == "image_too_large" and "8 MiB" in found.reason


def test_jpeg_dimensions_are_read_from_the_frame_header() -> None:
    assert jpeg_size(jpeg(1080, 566)) == (1080, 566)
    assert jpeg_size(image(640, 800, "JPEG")) == (640, 800)
    progressive = io.BytesIO()
    Image.new("RGB", (800, 1000)).save(progressive, "JPEG", progressive=True)
    assert jpeg_size(progressive.getvalue()) == (800, 1000)  # SOF2
    assert jpeg_size(png()) is None
    assert jpeg_size(b"\xff\xd8\xff\xe0\x00") is None
