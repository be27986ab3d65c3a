"""The S3-compatible store against a local S3 server (moto's): the same `FileStore` behaviour as
the local folder — kept by hash once, read back in chunks, deleted, a missing file said so."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer
from nazar_platform.files import LocalFiles
from story_intake.adapters.s3 import S3Files

from tests.unit.story_intake.images import phone_jpeg


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(endpoint: str) -> S3Files:
    store = S3Files.connect(
        endpoint, "nazar-story-media", "test-access", "test-secret-key", secure=False,
        region="us-east-1",
    )  # fmt: skip
    store.ensure_bucket()
    store.ensure_bucket()  # a second start finds it
    return store


@pytest.mark.parametrize("kind", ["s3", "local"])
def test_a_file_is_kept_once_by_hash_read_back_and_deleted(
    kind: str, s3: S3Files, tmp_path: Path
) -> None:
    store = s3 if kind == "s3" else LocalFiles(tmp_path / "kept")
    data = phone_jpeg() * 200  # several chunks
    source = tmp_path / "photo.jpg"
    source.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert store.put_file(source) == sha
    assert store.put_file(source, sha) == sha  # again: nothing new
    assert source.exists()  # left in place for the caller
    assert store.exists(sha)
    assert b"".join(store.chunks(sha)) == data
    small = "छोटी फ़ाइल".encode()
    assert store.put_bytes(small) == hashlib.sha256(small).hexdigest()
    assert store.delete(sha) and not store.exists(sha)
    assert not store.delete(sha)
    with pytest.raises(FileNotFoundError):
        b"".join(store.chunks(sha))
    assert not store.exists("not-a-hash")
