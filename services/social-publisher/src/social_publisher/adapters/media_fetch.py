"""Fetching a creative from story-intake's signed, expiring URL (`GET /api/v1/media/{sha256}
?token=`, a publish request's `media[].url`): streamed with a time limit and a size cap, so a
wrong or hostile answer never fills memory. Verifying the bytes is the handler's job."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

CHUNK = 256 * 1024


class MediaFetchError(Exception):
    """`transient`: story-intake may answer later (down, 5xx, timeout); otherwise the URL will
    never give the file (expired, refused, too large)."""

    def __init__(self, reason: str, *, transient: bool, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.expired = expired


@dataclass(frozen=True, slots=True)
class Fetched:
    content: bytes
    content_type: str | None


class MediaFetcher:
    def __init__(self, session: aiohttp.ClientSession, timeout: float, max_bytes: int) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_bytes = max_bytes

    async def fetch(self, url: str, expected_size: int) -> Fetched:
        """The body, read up to one byte past `expected_size` (and the cap) at most."""
        limit = min(expected_size, self._max_bytes)
        try:
            async with self._session.get(url, timeout=self._timeout, allow_redirects=False) as r:
                if r.status == 410:
                    raise MediaFetchError("the link has expired", transient=False, expired=True)
                if r.status >= 500 or r.status == 429:
                    raise MediaFetchError(f"story-intake answered {r.status}", transient=True)
                if r.status != 200:
                    raise MediaFetchError(f"story-intake answered {r.status}", transient=False)
                declared = r.content_length
                if declared is not None and declared > limit:
                    raise MediaFetchError(
                        f"the file is {declared} bytes, more than the {limit} expected",
                        transient=False,
                    )
                parts: list[bytes] = []
                size = 0
                async for chunk in r.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise MediaFetchError(
                            f"the file is more than the {limit} bytes expected", transient=False
                        )
                    parts.append(chunk)
                return Fetched(b"".join(parts), r.headers.get("Content-Type"))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise MediaFetchError(
                f"story-intake could not be reached ({type(exc).__name__})", transient=True
            ) from exc
