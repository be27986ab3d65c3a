"""Images made for the photo tests and the bench: a phone's JPEG with GPS, a serial number, an
ICC profile, XMP and orientation 6; PNGs and WebPs carrying metadata; a decompression bomb."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms, PngImagePlugin

RED, BLUE = (220, 20, 20), (20, 20, 220)
SERIAL = "SN-RJ-0042-9931"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="'
    b'constable"/></rdf:RDF></x:xmpmeta>'
)


def two_halves(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: where each half lands shows how the image was turned."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image.convert(mode) if mode != "RGB" else image


def _exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X1"
    exif.get_ifd(0x8769)[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (26.0, 55.0, 12.5), 3: "E", 4: (75.0, 49.0, 3.25)})
    return exif


def _icc() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def phone_jpeg(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """As a phone writes it: pixels stored sideways, the turn in EXIF, GPS and serial beside."""
    out = io.BytesIO()
    two_halves(width, height).save(
        out,
        "JPEG",
        quality=92,
        exif=_exif(orientation).tobytes(),
        icc_profile=_icc(),
        comment=b"taken at the checkpoint",
        xmp=XMP,
    )
    return out.getvalue()


def png_with_metadata(width: int = 300, height: int = 200, mode: str = "RGBA") -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "constable M-1")
    info.add_text("GPS", "26.92,75.78")
    out = io.BytesIO()
    two_halves(width, height, mode).save(
        out, "PNG", pnginfo=info, exif=_exif().tobytes(), icc_profile=_icc()
    )
    return out.getvalue()


def webp_with_metadata(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    two_halves(width, height).save(
        out, "WEBP", quality=90, exif=_exif().tobytes(), icc_profile=_icc(), xmp=XMP
    )
    return out.getvalue()


def plain(
    width: int, height: int, colour: tuple[int, int, int] = (90, 140, 60), fmt: str = "PNG"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A `side` x `side` one-bit PNG of zeros: tens of kilobytes on disk, `side`² pixels (400
    million for 20,000: 1.2 GB as RGB) once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
