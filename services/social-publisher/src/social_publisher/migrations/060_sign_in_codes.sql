-- One row per sign-in code the roster asked us to send (auth.codes.v1): what happened to it, never
-- the code itself (it lives sealed in Kafka and in plain text only in memory while it is sent).
-- The primary key makes a replayed record a no-op: a code is sent at most once.
CREATE TABLE sign_in_codes (
    sign_in_id  text PRIMARY KEY,
    member_id   text NOT NULL,
    channel     text NOT NULL,          -- the one it went by (SMS when WhatsApp failed)
    outcome     text NOT NULL,          -- pending, sent, delivered, read, failed, unknown,
                                        -- channel_down, or why it was dropped (expired, ...)
    error       text,                   -- the provider's code when it failed
    created_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz
);
-- Rows are purged after a day (the topic keeps records one hour, so replays need no more).
CREATE INDEX sign_in_codes_age ON sign_in_codes (created_at);
-- An erased member's rows go with their contact.
CREATE INDEX sign_in_codes_member ON sign_in_codes (member_id);
