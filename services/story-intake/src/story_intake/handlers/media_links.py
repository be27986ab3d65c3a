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
from datetime import datetime

from nazar_contracts.publish import PublishMedia
from nazar_contracts.stories import PublicChannel
from nazar_platform import db
from nazar_platform.auth import links

from story_intake.settings import StoryIntakeSettings
from story_intake.store import media as store

# The links of the photos and creatives story-intake keeps (the console, the publisher).
MediaLinkError = links.FileLinkError


class MediaLinks(links.FileLinks):
    PATH = "/api/v1/media/"
    PURPOSE = "media"
    __slots__ = ()

    @classmethod
    def of(cls, settings: StoryIntakeSettings) -> MediaLinks:
        return cls(
            settings.public_base_url.rstrip("/"), settings.media_link_keys, settings.media_link_ttl
        )

    def url(self, sha256: str, now: datetime) -> tuple[str, datetime]:
        """The signed URL of a kept file and when it expires."""
        return self.signed(sha256, now)


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


class AlertMediaLinks(links.FileLinks):
    """The links of alerts' photos: for the officers the case reaches (in `AlertRaised`) and the
    raiser's view. Their own path and purpose, so that an alert's link never opens through the
    stories' route, nor a story's through this one."""

    PATH = "/api/v1/alerts/media/"
    PURPOSE = "alert-media"
    __slots__ = ()

    @classmethod
    def of(cls, settings: StoryIntakeSettings) -> AlertMediaLinks:
        return cls(
            settings.public_base_url.rstrip("/"), settings.media_link_keys, settings.media_link_ttl
        )
