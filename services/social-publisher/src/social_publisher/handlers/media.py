"""The publisher's media store, for every network: a publish request names each creative by its
SHA-256 and a signed, expiring story-intake URL; `MediaStore.creatives_for` fetches it (once: the
files are content-addressed, `nazar_platform.files`), checks its SHA-256 and size against the
request, keeps it, and hands the clients `Creative`s with the bytes and, for Instagram (which
fetches `image_url` itself), our own signed, expiring URL (`GET /media/{sha256}?token=`, signed
with NAZAR_PUBLIC_MEDIA_KEY for the purpose `publisher-media`).

A file is held by the posts that need it (`media_uses`); the queue calls `release` in the
transaction that finishes a post, and the retention sweep (`workers/media_retention.py`) deletes
what no post needs any more after NAZAR_MEDIA_RETENTION.

Failures are `SocialCallError`s the queue already understands: a link expired or refused by
story-intake, or bytes that are not the approved file, are REFUSED (in words: approve again, so a
fresh link is sent); story-intake down or slow is TRANSIENT.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg
from nazar_contracts.publish import PublishMedia
from nazar_platform.auth import links
from nazar_platform.db import Connection
from nazar_platform.files import FileStore, LocalFiles

from social_publisher import metrics
from social_publisher.adapters.media_fetch import MediaFetcher, MediaFetchError
from social_publisher.adapters.social import SocialCallError
from social_publisher.domain.social import Creative, ErrorKind, Network, SocialError
from social_publisher.settings import PublisherSettings
from social_publisher.store import media as store

SWEEP_BATCH = 200

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def media_type_of(content: bytes, declared: str) -> str:
    """The type the bytes say they are (what the route serves), else what the request said."""
    for signature, media_type in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return declared


MediaLinkError = links.FileLinkError


class PublicMediaLinks(links.FileLinks):
    """The publisher's own links of the creatives it keeps, which Instagram fetches."""

    PATH = "/media/"
    PURPOSE = "publisher-media"
    __slots__ = ()

    @classmethod
    def of(cls, settings: PublisherSettings) -> PublicMediaLinks:
        return cls(
            settings.public_base_url.rstrip("/"),
            settings.public_media_keys,
            settings.public_media_ttl,
        )

    def url(self, sha256: str, now: datetime) -> str:
        return self.signed(sha256, now)[0]


def _error(network: Network, kind: ErrorKind, code: str, reason: str) -> SocialCallError:
    return SocialCallError(SocialError(kind=kind, network=network, code=code, reason=reason))


class MediaStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        files: FileStore,
        fetcher: MediaFetcher,
        public_links: PublicMediaLinks,
    ) -> None:
        self.pool = pool
        self.files = files
        self.fetcher = fetcher
        self.links = public_links

    @classmethod
    def local(
        cls, pool: asyncpg.Pool, settings: PublisherSettings, fetcher: MediaFetcher
    ) -> MediaStore:
        return cls(pool, LocalFiles(settings.media_dir), fetcher, PublicMediaLinks.of(settings))

    async def creatives_for(
        self, post_id: str, network: Network, media: Sequence[PublishMedia], now: datetime
    ) -> tuple[Creative, ...]:
        """The request's creatives, verified and kept, in its order; raises SocialCallError."""
        out = []
        for position, item in enumerate(media):
            content, media_type = await self._content(post_id, network, position, item, now)
            out.append(
                Creative(
                    sha256=item.sha256,
                    media_type=media_type,
                    size=len(content),
                    content=content,
                    alt_text=item.alt_text,
                    public_url=(
                        self.links.url(item.sha256, now) if network == Network.INSTAGRAM else None
                    ),
                )
            )
        return tuple(out)

    async def _content(
        self, post_id: str, network: Network, position: int, item: PublishMedia, now: datetime
    ) -> tuple[bytes, str]:
        n = position + 1
        async with self.pool.acquire() as conn, conn.transaction():
            # Held first: from this commit on, the retention sweep leaves the file alone.
            await store.hold(conn, post_id, item.sha256, position, now)
            found = await store.kept(conn, item.sha256)
        if found is not None and found.size != item.size:
            raise _mismatch(network, n)
        if found is not None and await asyncio.to_thread(self.files.exists, item.sha256):
            data = await asyncio.to_thread(lambda: b"".join(self.files.chunks(item.sha256)))
            metrics.MEDIA_FETCHES.labels("kept").inc()
            return data, found.media_type
        if item.url_expires_at <= now:
            metrics.MEDIA_FETCHES.labels("expired").inc()
            raise _expired(network, n, item.url_expires_at)
        try:
            fetched = await self.fetcher.fetch(item.url, item.size)
        except MediaFetchError as exc:
            metrics.MEDIA_FETCHES.labels("expired" if exc.expired else "failed").inc()
            if exc.expired:
                raise _expired(network, n, item.url_expires_at) from None
            if exc.transient:
                raise _error(
                    network,
                    ErrorKind.TRANSIENT,
                    "media.unreachable",
                    f"Creative {n} could not be fetched from story-intake ({exc.reason}); the "
                    "publisher tries again.",
                ) from None
            raise _error(
                network,
                ErrorKind.REFUSED,
                "media.link_refused",
                f"Story-intake did not give creative {n} ({exc.reason}). Approve the post again "
                "so that a fresh link is sent.",
            ) from None
        content = fetched.content
        if len(content) != item.size or hashlib.sha256(content).hexdigest() != item.sha256:
            metrics.MEDIA_FETCHES.labels("mismatch").inc()
            raise _mismatch(network, n)
        media_type = media_type_of(content, item.media_type)
        await asyncio.to_thread(self.files.put_bytes, content)
        async with self.pool.acquire() as conn:
            await store.record_file(conn, item.sha256, media_type, len(content), now)
        metrics.MEDIA_FETCHES.labels("fetched").inc()
        return content, media_type


def _expired(network: Network, n: int, at: datetime) -> SocialCallError:
    return _error(
        network,
        ErrorKind.REFUSED,
        "media.link_expired",
        f"The link to creative {n} expired ({at:%Y-%m-%d %H:%M} UTC) before the publisher "
        "fetched it. Approve the post again so that a fresh link is sent.",
    )


def _mismatch(network: Network, n: int) -> SocialCallError:
    return _error(
        network,
        ErrorKind.REFUSED,
        "media.mismatch",
        f"Creative {n} from story-intake is not the approved file (its SHA-256 or size "
        "differs; it may have been replaced). Approve the post again with the current creative.",
    )


async def release(conn: Connection, post_id: str, now: datetime) -> int:
    """The post needs its files no more (posted, failed for good, withdrawn); in the caller's
    transaction. The files go NAZAR_MEDIA_RETENTION later unless another post holds them."""
    return await store.release(conn, post_id, now)


async def kept_file(pool: asyncpg.Pool, sha256: str) -> store.KeptFile | None:
    async with pool.acquire() as conn:
        return await store.kept(conn, sha256)


async def sweep(
    pool: asyncpg.Pool,
    files: FileStore,
    now: datetime,
    retention: timedelta,
    hold_max: timedelta,
) -> int:
    """Delete the files no post needs any more; the number deleted. Each file is deleted under
    its row's lock and re-checked in a fresh statement, so a post holding it meanwhile keeps it."""
    deleted = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            batch = await store.lock_unneeded(conn, now, retention, hold_max, SWEEP_BATCH)
            for sha in batch:
                if await store.still_unneeded(conn, sha, now, retention, hold_max):
                    await asyncio.to_thread(files.delete, sha)
                    await store.forget(conn, sha)
                    deleted += 1
        if len(batch) < SWEEP_BATCH:
            break
    metrics.MEDIA_FILES_DELETED.inc(deleted)
    async with pool.acquire() as conn:
        metrics.MEDIA_BYTES.set(await store.stored_bytes(conn))
    return deleted
