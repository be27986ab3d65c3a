"""Attachments: a few types, recognised by their bytes, within the size limit."""

from __future__ import annotations

import pytest
from directive.domain.attachments import check
from directive.domain.model import InvalidRequestError

PDF = b"%PDF-1.7\n..."
PNG = b"\x89PNG\r\n\x1a\n...."
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 "
LIMIT = 1024


@pytest.mark.parametrize(
    ("head", "declared", "expected"),
    [
        (PDF, "application/pdf", "application/pdf"),
        (PNG, "image/png", "image/png"),
        (b"\xff\xd8\xff\xe0", None, "image/jpeg"),
        (WEBP, "application/octet-stream", "image/webp"),
    ],
)
def test_accepted_types(head: bytes, declared: str | None, expected: str) -> None:
    assert check(declared, head, len(head), LIMIT) == expected


@pytest.mark.parametrize(
    ("head", "declared", "size"),
    [
        (b"MZ\x90\x00", "application/pdf", 4),  # an executable calling itself a PDF
        (PNG, "application/pdf", len(PNG)),  # declared type does not match the bytes
        (b"RIFF\x00\x00\x00\x00WAVE", None, 12),  # RIFF but not WebP
        (PDF, "application/pdf", LIMIT + 1),  # too large
        (b"", None, 0),  # empty
    ],
)
def test_refused(head: bytes, declared: str | None, size: int) -> None:
    with pytest.raises(InvalidRequestError):
        check(declared, head, size, LIMIT)
