"""Attachment files on disk: kept under their SHA-256 in one folder (NAZAR_ATTACHMENT_DIR), by
the platform's content-addressed store; what may be kept is the directive's rule."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from nazar_platform.files import LocalFiles, receive

from directive.domain import attachments as rules


def keep(source: BinaryIO, folder: Path, declared: str | None, limit: int) -> tuple[str, int, str]:
    """Copy the upload into the folder under its SHA-256 (blocking: run in a thread); refuse it
    if it is too large or not a type we accept. Returns (sha256, size, content type)."""
    received = receive(source, folder, limit, head_bytes=16)
    try:
        content_type = rules.check(declared, received.head, received.size, limit)
        LocalFiles(folder).adopt(received)
        return received.sha256, received.size, content_type
    finally:
        received.discard()


def stored(folder: Path, sha256: str) -> Path | None:
    """The kept file of that hash, None if it is missing."""
    return LocalFiles(folder).path(sha256)
