"""Signed, expiring media URLs: the only way another service (the social-publisher, the
directive) or the console gets a photo, a rendition or a creative.

`GET /api/v1/media/{sha256}?token=...`: the token signs the file's hash for the purpose `media`
(`nazar_platform.auth.links`) with NAZAR_MEDIA_LINK_KEY (or a previous key while one is rolled
out) and expires after NAZAR_MEDIA_LINK_TTL. Whoever holds the URL may fetch that one file until
then, so URLs go only to those who may see the story, and into publish requests.

`creatives_for_publish` is what a publish request carries for a story and channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from nazar_contracts.publish import PublishMedia
from nazar_contracts.stories import PublicChannel
from nazar_platform import db
from nazar_platform.auth import links
from nazar_platform.files import is_sha256

from story_intake.settings import StoryIntakeSettings
from story_intake.store import media as store

PURPOSE = "media"
MEDIA_PATH = "/api/v1/media/"
# A URL expires `ttl` after it was signed by the clock of whichever replica signed it; this much
# disagreement between clocks is tolerated when one is checked.
CLOCK_SLACK = timedelta(minutes=5)


class MediaLinkError(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True, slots=True)
class MediaLinks:
    base_url: str
    keys: tuple[bytes, ...]  # the signing key first
    ttl: timedelta

    @classmethod
    def of(cls, settings: StoryIntakeSettings) -> MediaLinks:
        return cls(
            settings.public_base_url.rstrip("/"), settings.media_link_keys, settings.media_link_ttl
        )

    def url(self, sha256: str, now: datetime) -> tuple[str, datetime]:
        """The signed URL of a kept file and when it expires."""
        expires_at = now + self.ttl
        token = links.sign(bytes.fromhex(sha256), expires_at, self.keys[0], purpose=PURPOSE)
        return f"{self.base_url}{MEDIA_PATH}{sha256}?token={token}", expires_at

    def verify(self, sha256: str, token: str, now: datetime) -> None:
        """Nothing if `token` opens `sha256` now; MediaLinkError otherwise."""
        if not is_sha256(sha256):
            raise MediaLinkError(expired=False)
        try:
            signed, _ = links.verify(
                token,
                self.keys,
                now,
                self.ttl + CLOCK_SLACK,
                id_bytes=32,
                purpose=PURPOSE,
            )
        except links.ExpiredLinkError:
            raise MediaLinkError(expired=True) from None
        except links.LinkError:
            raise MediaLinkError(expired=False) from None
        if signed.hex() != sha256:
            raise MediaLinkError(expired=False)


async def creatives_for_publish(
    conn: db.Connection,
    story_id: uuid.UUID,
    channel: PublicChannel,
    signer: MediaLinks,
    now: datetime,
) -> list[PublishMedia]:
    """The live creatives of a story for one channel as a publish request carries them: sha256,
    size, media type and a signed, expiring URL of the original (the bytes never go through
    Kafka). Oldest first; empty when the designer attached none. Runs in the caller's
    transaction."""
    out = []
    for row in await store.live_creatives(conn, story_id, str(channel)):
        url, expires_at = signer.url(row.sha256, now)
        out.append(
            PublishMedia(
                sha256=row.sha256,
                size=row.size,
                media_type=row.media_type,
                url=url,
                url_expires_at=expires_at,
            )
        )
    return out
