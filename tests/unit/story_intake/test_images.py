"""The image pipeline on real files: upright, every metadata block gone, re-encoded, renditions
made; bombs and lies refused as problems, never a crash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image
from story_intake.adapters.images import process
from story_intake.domain.media import JPEG, PNG, WEBP, ImageLimits, MediaRefusalError

from tests.unit.story_intake.images import (
    BLUE,
    RED,
    SERIAL,
    phone_jpeg,
    plain,
    png_bomb,
    png_with_metadata,
    webp_with_metadata,
)

LIMITS = ImageLimits(max_bytes=15_000_000, max_pixels=40_000_000)


def run(tmp_path: Path, data: bytes, media_type: str, limits: ImageLimits = LIMITS) -> list[Path]:
    source = tmp_path / "upload"
    source.write_bytes(data)
    processed = process(source, media_type, limits, tmp_path, 320, 1280)
    return [o.path for o in processed.outputs()]


def near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], colour, strict=True))


def no_metadata(path: Path) -> None:
    raw = path.read_bytes()
    with Image.open(path) as image:
        assert not image.getexif(), image.getexif()
        for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Author", "GPS"):
            assert key not in image.info, key
    for marker in (
        b"Exif",
        SERIAL.encode(),
        b"xmpmeta",
        b"checkpoint",
        b"constable",
        b"ICC_PROFILE",
    ):
        assert marker not in raw, marker


def test_a_phone_jpeg_comes_out_upright_without_gps_serial_icc_or_xmp(tmp_path: Path) -> None:
    original, thumb, web = run(tmp_path, phone_jpeg(400, 200, orientation=6), JPEG)
    with Image.open(original) as image:
        assert image.format == "JPEG"
        # Stored sideways (400 x 200, red left); orientation 6 turns it clockwise: red on top.
        assert image.size == (200, 400)
        rgb = image.convert("RGB")
        assert near(rgb.getpixel((100, 50)), RED) and near(rgb.getpixel((100, 350)), BLUE)
    for path in (original, thumb, web):
        no_metadata(path)
    with Image.open(thumb) as image:
        assert image.format == "JPEG" and max(image.size) <= 320


def test_large_images_get_a_thumbnail_and_a_web_rendition(tmp_path: Path) -> None:
    original, thumb, web = run(tmp_path, plain(2048, 1536, fmt="JPEG"), JPEG)
    sizes = []
    for path in (original, thumb, web):
        with Image.open(path) as image:
            sizes.append(image.size)
    assert sizes == [(2048, 1536), (320, 240), (1280, 960)]


@pytest.mark.parametrize(
    ("data", "media_type", "fmt"),
    [(png_with_metadata(), PNG, "PNG"), (webp_with_metadata(), WEBP, "WEBP")],
    ids=["png", "webp"],
)
def test_png_and_webp_keep_their_format_and_lose_their_metadata(
    tmp_path: Path, data: bytes, media_type: str, fmt: str
) -> None:
    original, thumb, web = run(tmp_path, data, media_type)
    with Image.open(original) as image:
        assert image.format == fmt and image.size == (300, 200)
        rgb = image.convert("RGB")
        assert near(rgb.getpixel((10, 100)), RED) and near(rgb.getpixel((290, 100)), BLUE)
    for path in (original, thumb, web):
        no_metadata(path)


def test_the_same_photo_makes_the_same_files(tmp_path: Path) -> None:
    data = phone_jpeg()
    first = [hashlib.sha256(p.read_bytes()).hexdigest() for p in run(tmp_path, data, JPEG)]
    again = [hashlib.sha256(p.read_bytes()).hexdigest() for p in run(tmp_path, data, JPEG)]
    assert first == again


def test_a_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    with pytest.raises(MediaRefusalError, match=r"media\.too_many_pixels"):
        run(tmp_path, png_bomb(), PNG)


def test_the_pixel_limit_is_the_setting(tmp_path: Path) -> None:
    # A limit of 1,000 pixels (NAZAR_PHOTO_MAX_PIXELS): a 100 x 100 image is already too many.
    with pytest.raises(MediaRefusalError, match=r"media\.too_many_pixels"):
        run(tmp_path, plain(100, 100), PNG, ImageLimits(15_000_000, 1_000))


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (plain(64, 64, fmt="PNG"), JPEG),  # a PNG said to be JPEG: opened only as JPEG
        (phone_jpeg()[:200], JPEG),  # truncated
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, PNG),  # a PNG signature and nothing else
    ],
    ids=["png-as-jpeg", "truncated-jpeg", "empty-png"],
)
def test_what_is_not_that_image_is_unreadable_not_a_crash(
    tmp_path: Path, data: bytes, media_type: str
) -> None:
    with pytest.raises(MediaRefusalError, match=r"media\.unreadable"):
        run(tmp_path, data, media_type)
    assert [p.name for p in tmp_path.iterdir()] == ["upload"]  # nothing left behind
