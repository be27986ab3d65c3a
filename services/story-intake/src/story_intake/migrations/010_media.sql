-- Photos (the author's) and creatives (the PHQ cell's, one live per channel) of a story. The
-- files themselves are kept by content hash (stored_files); a row names its three: the original
-- (re-encoded upright, every metadata block stripped), a thumbnail and a web rendition.
-- (Numbered 010 to leave room for the other slices of issue 13 written alongside.)
CREATE TABLE stored_files (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    media_type  text        NOT NULL,
    size        bigint      NOT NULL CHECK (size > 0),
    created_at  timestamptz NOT NULL,
    -- Set by the retention sweep before it deletes the file, so a sweep cut short resumes.
    deleting_at timestamptz
);

CREATE TABLE story_media (
    id             uuid PRIMARY KEY,
    story_id       uuid        NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    kind           text        NOT NULL CHECK (kind IN ('photo', 'creative')),
    channel        text CHECK ((kind = 'creative') = (channel IS NOT NULL)),
    version        integer     NOT NULL DEFAULT 1,   -- creatives: 1, 2, ... per channel
    upload_sha256  text        NOT NULL,             -- the bytes as sent (a repeat is the same photo)
    sha256         text        NOT NULL,
    media_type     text        NOT NULL,
    size           bigint      NOT NULL,
    width          integer     NOT NULL,
    height         integer     NOT NULL,
    thumb_sha256   text        NOT NULL,
    web_sha256     text        NOT NULL,
    added_by       text        NOT NULL,
    added_role     text        NOT NULL,
    added_at       timestamptz NOT NULL,
    -- A creative replaced by a newer one for its channel: kept for the approver's diff.
    replaced_at    timestamptz,
    -- A photo the author removed (the row stays for the story's history; the files follow the
    -- retention rules of the story).
    deleted_at     timestamptz,
    deleted_by     text,
    -- The retention sweep deleted this row's files (a rejected or withdrawn story, long closed).
    files_deleted_at timestamptz,
    -- On a marked story (sexual offence, child), the approver's confirmation that no person
    -- can be identified on this image.
    unidentifiable_by     text,
    unidentifiable_role   text,
    unidentifiable_at     timestamptz,
    unidentifiable_reason text
);
CREATE INDEX story_media_story ON story_media (story_id, added_at, id);
-- One live creative per channel.
CREATE UNIQUE INDEX story_media_live_creative ON story_media (story_id, channel)
    WHERE kind = 'creative' AND replaced_at IS NULL AND deleted_at IS NULL;
-- Whether a file is still referenced (the retention sweep keeps a file another story uses).
CREATE INDEX story_media_sha ON story_media (sha256) WHERE files_deleted_at IS NULL;
CREATE INDEX story_media_thumb ON story_media (thumb_sha256) WHERE files_deleted_at IS NULL;
CREATE INDEX story_media_web ON story_media (web_sha256) WHERE files_deleted_at IS NULL;
