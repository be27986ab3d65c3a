"""Content-addressed files: an upload streamed to a temporary file while it is hashed (never held
in memory), then kept under its SHA-256 in one folder, so the same bytes are stored once whoever
sends them and a name can never point at other bytes. Blocking: call from a thread.

`receive` copies an upload (up to a limit) into the store's folder as a temporary file;
`LocalFiles.adopt` moves such a file under its hash (atomic rename), `put_file` / `put_bytes`
hash and keep a file made elsewhere (a rendition); a store that holds files elsewhere (an object
store) offers the same `FileStore` interface.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 256 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(text: str) -> bool:
    return bool(_SHA256.fullmatch(text))


@dataclass(frozen=True, slots=True)
class Received:
    """An upload copied to `path` (a temporary file: adopt it, or `discard` it)."""

    path: Path
    sha256: str
    size: int
    head: bytes  # the first bytes, for recognising the type by content
    complete: bool  # False when the upload went past the limit (then only the limit was read)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def receive(source: BinaryIO, folder: Path, limit: int, head_bytes: int = 64) -> Received:
    """Copy `source` into a temporary file in `folder`, hashing it, stopping past `limit`."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    break
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Received(Path(temp), digest.hexdigest(), size, head, size <= limit)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class FileStore(Protocol):
    """Where kept files live: a local folder, or an object store (a service's adapter)."""

    def put_file(self, path: Path, sha256: str | None = None) -> str:
        """Keep the file at `path` (left in place) under its hash; return the hash."""

    def put_bytes(self, data: bytes) -> str: ...

    def exists(self, sha256: str) -> bool: ...

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The file's bytes; FileNotFoundError when it is not kept."""

    def delete(self, sha256: str) -> bool:
        """Forget the file; False when it was not kept."""


class LocalFiles:
    """Files in one folder, each named by its SHA-256 (the directive's attachments, story-intake's
    photos by default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, sha256: str) -> Path | None:
        """The kept file of that hash, None if it is missing (or the name is not a hash)."""
        if not is_sha256(sha256):
            return None
        path = self.folder / sha256
        return path if path.is_file() else None

    def adopt(self, received: Received) -> str:
        """Move a received upload under its hash (the same bytes kept already: drop the copy)."""
        os.replace(received.path, self.folder / received.sha256)
        return received.sha256

    def put_file(self, path: Path, sha256: str | None = None) -> str:
        sha = sha256 or sha256_of(path)
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / sha).is_file():
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".put-")
            try:
                with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
                os.replace(temp, self.folder / sha)
            finally:
                Path(temp).unlink(missing_ok=True)
        return sha

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / sha).is_file():
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".put-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(temp, self.folder / sha)
            finally:
                Path(temp).unlink(missing_ok=True)
        return sha

    def exists(self, sha256: str) -> bool:
        return self.path(sha256) is not None

    def chunks(self, sha256: str) -> Iterator[bytes]:
        path = self.path(sha256)
        if path is None:
            raise FileNotFoundError(sha256)
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def delete(self, sha256: str) -> bool:
        path = self.path(sha256)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True
