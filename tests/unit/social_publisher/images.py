"""Images for the publisher's Instagram and media store tests, made here (Pillow)."""

from __future__ import annotations

import io

from PIL import Image


def image(
    width: int, height: int, fmt: str = "JPEG", color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


def jpeg(
    width: int = 1080, height: int = 1350, color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    return image(width, height, "JPEG", color)


def png(width: int = 1080, height: int = 1080) -> bytes:
    return image(width, height, "PNG")
