"""Media files in an S3-compatible object store (MinIO, Ceph, AWS S3), through MinIO's client:
one object per file, named by its SHA-256, behind the platform's `FileStore` interface.
Blocking, like every `FileStore`: call from a thread."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from minio import Minio
from minio.error import S3Error
from nazar_platform.files import CHUNK, is_sha256, sha256_of

_MISSING = frozenset({"NoSuchKey", "NoSuchObject", "NotFound"})


class S3Files:
    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @classmethod
    def connect(
        cls,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        *,
        secure: bool = True,
        region: str | None = None,
    ) -> S3Files:
        client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        return cls(client, bucket)

    def ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self._bucket):
            self._client.make_bucket(self._bucket)

    def put_file(self, path: Path, sha256: str | None = None) -> str:
        sha = sha256 or sha256_of(path)
        if not self.exists(sha):
            self._client.fput_object(self._bucket, sha, str(path))
        return sha

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if not self.exists(sha):
            self._client.put_object(self._bucket, sha, io.BytesIO(data), len(data))
        return sha

    def exists(self, sha256: str) -> bool:
        if not is_sha256(sha256):
            return False
        try:
            self._client.stat_object(self._bucket, sha256)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        return True

    def chunks(self, sha256: str) -> Iterator[bytes]:
        if not is_sha256(sha256):
            raise FileNotFoundError(sha256)
        try:
            response = self._client.get_object(self._bucket, sha256)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise FileNotFoundError(sha256) from None
            raise
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def delete(self, sha256: str) -> bool:
        if not self.exists(sha256):
            return False
        self._client.remove_object(self._bucket, sha256)
        return True
