-- The publisher's media store (issue 14): creatives fetched from story-intake's signed URLs,
-- verified against the request's sha256 and size, kept content-addressed (the file's name is its
-- SHA-256, NAZAR_MEDIA_DIR) and served to Instagram at our own signed URLs (/media/{sha256}).
CREATE TABLE media_files (
    sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type text NOT NULL,
    size       bigint NOT NULL CHECK (size > 0),
    stored_at  timestamptz NOT NULL
);

-- Which post needs which file. A use is open while its post may still be sent (released_at NULL)
-- and released when the post is done; a file whose uses are all released (or held past
-- NAZAR_MEDIA_HOLD_MAX) for NAZAR_MEDIA_RETENTION is deleted by the retention sweep.
CREATE TABLE media_uses (
    post_id     text NOT NULL,
    sha256      text NOT NULL,
    position    integer NOT NULL,
    acquired_at timestamptz NOT NULL,
    released_at timestamptz,
    PRIMARY KEY (post_id, sha256)
);
CREATE INDEX media_uses_sha256 ON media_uses (sha256);
