"""Hostile files and bodies for tests/security: bombs (the photos' decompression bomb is
tests/unit/story_intake/images.png_bomb), impostors, and a raw HTTP client that can
announce or stream a 100 MB body without building it (httpx would send it all before reading)."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

MB = 1024 * 1024
HUNDRED_MB = 100 * MB


def zip_bomb(inflated: int = 200 * MB) -> bytes:
    """A zip of one `members.csv` that inflates to `inflated` bytes of a repeated CSV row."""
    out = io.BytesIO()
    row = b"V-1,=cmd|' /C calc'!A0,x,police_mitra,PS-X,+917000000000,1\n"
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("members.csv", "w", force_zip64=True) as member,
    ):
        block = row * (MB // len(row))
        for _ in range(inflated // len(block)):
            member.write(block)
    return out.getvalue()


def gzip_bomb(inflated: int = 200 * MB) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        block = b"a,b,c\n" * (MB // 6)
        for _ in range(inflated // len(block)):
            packed.write(block)
    return out.getvalue()


# Right extension, wrong content: what a photo upload must refuse by its bytes.
IMPOSTORS = {
    "html.jpg": b"<!doctype html><script>alert(document.cookie)</script>",
    "svg.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "pdf.jpg": b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "zip.jpg": b"PK\x03\x04" + b"\x00" * 200,
    "exe.png": b"MZ\x90\x00" + b"\x00" * 200,
    "jpeg-header-only.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
}


@dataclass
class RawAnswer:
    status: int
    content_type: str
    sent: int  # body bytes written before the answer came
    failure: str = ""  # no answer: "ConnectionResetError", "TimeoutError", "closed"


async def raw_post(
    url: str,
    headers: dict[str, str],
    *,
    declared: int | None,
    stream_up_to: int,
    chunk: int = MB,
    answer_within: float = 30,
    prefix: bytes = b"",
) -> RawAnswer:
    """POST to `url`, announcing `declared` bytes (None: chunked), writing zeros until the
    server answers or `stream_up_to` bytes are sent (after `prefix`, e.g. a multipart part's
    head); returns the answer's status line."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(
        f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    )
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0

    async def pump() -> None:
        nonlocal sent
        if prefix:
            writer.write(
                prefix if declared is not None else b"%x\r\n%s\r\n" % (len(prefix), prefix)
            )
            sent += len(prefix)
        block = b"\x00" * chunk
        while sent < stream_up_to:
            data = block if declared is not None else b"%x\r\n%s\r\n" % (len(block), block)
            writer.write(data)
            await writer.drain()
            sent += len(block)
        if declared is None:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    pumping = asyncio.create_task(pump())
    lines: list[str] = []
    status_line = b""
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=answer_within)
        while (line := await asyncio.wait_for(reader.readline(), timeout=10)) not in (b"\r\n", b""):
            lines.append(line.decode("latin-1").strip())
    except (ConnectionError, TimeoutError) as exc:
        # A reset: the server stopped reading and closed; no answer line may have survived it.
        return RawAnswer(0, "", sent, type(exc).__name__)
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await pumping
        writer.close()
    content_type = next(
        (
            line.split(":", 1)[1].strip()
            for line in lines
            if line.lower().startswith("content-type:")
        ),
        "",
    )
    status = int(status_line.split()[1]) if status_line else 0
    return RawAnswer(status, content_type, sent, "" if status else "closed")
