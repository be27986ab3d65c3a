-- Messages, jobs, deliveries and reach counters belong to an origin: a directive, a story (its
-- circulation and the notices to its author) or an alert. `directive_id` stays, filled exactly
-- for directive rows (old queries and readers keep working); a story has no directive row.
-- Existing rows are directives' rows: their origin is ('directive', directive_id).

ALTER TABLE messages
    ADD COLUMN origin_kind text NOT NULL DEFAULT 'directive',
    ADD COLUMN origin_id   text,
    -- A directive's message takes these from its directive; other origins keep their own.
    ADD COLUMN priority    text,
    ADD COLUMN expires_at  timestamptz;
UPDATE messages SET origin_id = directive_id::text;
ALTER TABLE messages
    ALTER COLUMN origin_id SET NOT NULL,
    ALTER COLUMN origin_kind DROP DEFAULT,
    ALTER COLUMN directive_id DROP NOT NULL,
    -- A story's messages ask for no acknowledgement and carry no reply code.
    ALTER COLUMN reply_code DROP NOT NULL,
    ADD CONSTRAINT messages_origin CHECK (
        origin_kind IN ('directive', 'story', 'alert')
        AND (origin_kind = 'directive') = (directive_id IS NOT NULL)
        AND (directive_id IS NULL OR origin_id = directive_id::text)
        AND (directive_id IS NOT NULL OR priority IS NOT NULL));
CREATE INDEX messages_origin ON messages (origin_kind, origin_id) WHERE origin_kind <> 'directive';

ALTER TABLE jobs
    ADD COLUMN origin_kind text NOT NULL DEFAULT 'directive',
    ADD COLUMN origin_id   text;
UPDATE jobs SET origin_id = directive_id::text;
ALTER TABLE jobs
    ALTER COLUMN origin_id SET NOT NULL,
    ALTER COLUMN origin_kind DROP DEFAULT,
    ALTER COLUMN directive_id DROP NOT NULL,
    ADD CONSTRAINT jobs_origin CHECK (
        (origin_kind = 'directive') = (directive_id IS NOT NULL));
-- Jobs of other origins are not started by a directive event: a runner finds them here.
CREATE INDEX jobs_unfinished_origin ON jobs (origin_kind, created_at) WHERE finished_at IS NULL;

ALTER TABLE deliveries
    ADD COLUMN origin_kind text NOT NULL DEFAULT 'directive',
    ADD COLUMN origin_id   text;
UPDATE deliveries SET origin_id = directive_id::text;
ALTER TABLE deliveries
    ALTER COLUMN origin_id SET NOT NULL,
    ALTER COLUMN origin_kind DROP DEFAULT,
    ALTER COLUMN directive_id DROP NOT NULL;

ALTER TABLE reach_counters
    ADD COLUMN origin_kind text NOT NULL DEFAULT 'directive',
    ADD COLUMN origin_id   text;
UPDATE reach_counters SET origin_id = directive_id::text;
ALTER TABLE reach_counters
    ALTER COLUMN origin_id SET NOT NULL,
    ALTER COLUMN origin_kind DROP DEFAULT,
    ALTER COLUMN directive_id DROP NOT NULL;
CREATE INDEX reach_counters_origin ON reach_counters (origin_kind, origin_id)
    WHERE origin_kind <> 'directive';

-- A story's circulation: what story-intake asked for (StoryCirculationRequested) and the message
-- that carries it. One per story: a redelivered request finds its row and sends nothing again.
CREATE TABLE circulations (
    story_id     text PRIMARY KEY,
    message_id   uuid        NOT NULL REFERENCES messages (id),
    kind         text        NOT NULL,
    scope        text        NOT NULL,
    district_id  text        NOT NULL,
    range_id     text,
    circles      text[]      NOT NULL,        -- the circle groups it went to (none: PHQ only)
    recipients   integer     NOT NULL,
    approved_by  text        NOT NULL,
    approved_at  timestamptz NOT NULL,
    created_at   timestamptz NOT NULL
);
