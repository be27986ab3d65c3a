"""Attachment files on disk: kept under their SHA-256 in one folder (NAZAR_ATTACHMENT_DIR)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from directive.domain import attachments as rules

_CHUNK = 256 * 1024


def keep(source: BinaryIO, folder: Path, declared: str | None, limit: int) -> tuple[str, int, str]:
    """Copy the upload into the folder under its SHA-256 (blocking: run in a thread); refuse it
    if it is too large or not a type we accept. Returns (sha256, size, content type)."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    break
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        content_type = rules.check(declared, head, size, limit)
        sha = digest.hexdigest()
        os.replace(temp, folder / sha)
        return sha, size, content_type
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def stored(folder: Path, sha256: str) -> Path | None:
    """The kept file of that hash, None if it is missing."""
    path = folder / sha256
    return path if path.is_file() else None
