"""The image pipeline (Pillow): an upload on disk → an upright, metadata-free original and two
JPEG renditions, each a file beside it. Blocking and CPU-bound: `process` runs in a worker thread
(Pillow releases the GIL while it decodes, resizes and encodes, so the threads use every core).

Why each step:
* the type is taken from the bytes (`domain.media.sniff`) and Pillow is told to open only that
  format, so a PNG named .jpg, or a file that is no image, never reaches another decoder;
* the header's size is checked before anything is decoded, and Pillow's own guard
  (`Image.MAX_IMAGE_PIXELS`, `DecompressionBombWarning` turned into an error,
  `DecompressionBombError`) stays armed behind it: a 20,000 x 20,000 PNG of zeros is a few
  kilobytes on disk and 1.2 GB decoded;
* `ImageOps.exif_transpose` turns the pixels upright, then the image is re-encoded from its
  pixels alone: no EXIF (GPS, the phone's serial), XMP, ICC profile, comments or text chunks are
  written, because none is passed to `save` and the image's `info` is emptied first;
* renditions (a thumbnail and a web size) are JPEG, which every browser and network shows.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from story_intake.domain.media import JPEG, PNG, WEBP, ImageLimits, MediaRefusalError, check_pixels

_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
_SUFFIX = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp"}
_ORIGINAL_QUALITY = 90
_RENDITION_QUALITY = 82


@dataclass(frozen=True, slots=True)
class Output:
    path: Path  # a temporary file: keep it in the store, then delete it
    media_type: str
    width: int
    height: int
    size: int


@dataclass(frozen=True, slots=True)
class Processed:
    original: Output
    thumb: Output
    web: Output

    def outputs(self) -> tuple[Output, Output, Output]:
        return (self.original, self.thumb, self.web)

    def discard(self) -> None:
        for out in self.outputs():
            out.path.unlink(missing_ok=True)


def _open(path: Path, media_type: str, limits: ImageLimits) -> Image.Image:
    # Pillow's own guard, process-wide: beyond it a warning (an error here), beyond twice it an
    # error. Every caller passes the same setting.
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        image = Image.open(path, formats=[_FORMATS[media_type]])
        check_pixels(image.width, image.height, limits)
        image.seek(0)  # an animated PNG or WebP: its first frame
        image.load()
    except MediaRefusalError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefusalError(
            "media.too_many_pixels", megapixels=limits.max_pixels // 1_000_000
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Truncated or corrupt data, or a format Pillow cannot decode: not an image we take.
        raise MediaRefusalError("media.unreadable") from None
    return image


def _pixels_only(image: Image.Image, media_type: str) -> Image.Image:
    """The upright pixels in a mode the format keeps, with nothing else attached."""
    upright = ImageOps.exif_transpose(image) or image
    if media_type == JPEG:
        clean = upright.convert("RGB") if upright.mode not in ("RGB", "L") else upright.copy()
    elif upright.mode in ("RGB", "RGBA", "L", "LA"):
        clean = upright.copy()
    else:  # palette, CMYK, 16-bit: a mode every decoder of the format shows the same way
        has_alpha = upright.mode in ("PA", "RGBa") or "transparency" in upright.info
        clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    return clean


def _save(image: Image.Image, media_type: str, folder: Path, quality: int) -> Output:
    fd, name = tempfile.mkstemp(dir=folder, prefix=".image-", suffix=_SUFFIX[media_type])
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if media_type == JPEG:
                image.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
            elif media_type == WEBP:
                image.save(out, "WEBP", quality=quality, method=4)
            else:
                image.save(out, "PNG", compress_level=6)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Output(path, media_type, image.width, image.height, path.stat().st_size)


def _rendition(image: Image.Image, longest: int, folder: Path) -> Output:
    small = image.copy()
    # reducing_gap: a fast integer pre-reduction, then Lanczos; indistinguishable at these sizes.
    small.thumbnail((longest, longest), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if small.mode not in ("RGB", "L"):
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A") if "A" in small.getbands() else None)
        small = flat
    return _save(small, JPEG, folder, _RENDITION_QUALITY)


def process(
    path: Path, media_type: str, limits: ImageLimits, folder: Path, thumb_px: int, web_px: int
) -> Processed:
    """The original re-encoded upright without metadata, a thumbnail and a web rendition, as
    temporary files in `folder`; MediaRefusalError if the upload is no image we take."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _open(path, media_type, limits) as image:
            clean = _pixels_only(image, media_type)
    done: list[Output] = []
    try:
        done.append(_save(clean, media_type, folder, _ORIGINAL_QUALITY))
        done.append(_rendition(clean, thumb_px, folder))
        done.append(_rendition(clean, web_px, folder))
    except BaseException:
        for out in done:
            out.path.unlink(missing_ok=True)
        raise
    return Processed(*done)
