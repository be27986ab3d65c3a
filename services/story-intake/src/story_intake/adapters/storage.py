"""Where story-intake keeps photo and creative files: a local folder by default
(NAZAR_MEDIA_DIR, a volume in compose), or an S3-compatible object store (NAZAR_MEDIA_STORE=s3).
Both are content-addressed `FileStore`s: the same bytes are kept once, whichever story sent
them."""

from __future__ import annotations

from nazar_platform.files import FileStore, LocalFiles

from story_intake.adapters.s3 import S3Files
from story_intake.settings import StoryIntakeSettings


def media_store(settings: StoryIntakeSettings) -> FileStore:
    if settings.media_store == "s3":
        return S3Files.connect(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_access_key.get_secret_value(),
            settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    return LocalFiles(settings.media_dir)
