-- The PHQ cell's work on a story: one immutable version per channel and edit, the gate's
-- findings with each, the approver's acknowledgements, the approval and its public posts.

-- The gate's findings on the field text when the story reached PHQ ([{part, rule, start, end,
-- text}]); NULL before.
ALTER TABLE stories ADD COLUMN phq_findings jsonb;

-- A channel's text as written: x | facebook | instagram take `text`; circulation a title and a
-- body in Hindi and/or English. Never updated: every edit (and every redaction) is a new `n`.
CREATE TABLE story_versions (
    story_id     uuid        NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    channel      text        NOT NULL,
    n            integer     NOT NULL CHECK (n >= 1),
    text         text,
    title_hi     text,
    title_en     text,
    body_hi      text,
    body_en      text,
    author_id    text        NOT NULL,
    author_role  text        NOT NULL,
    redacted_from integer,                 -- the version a one-click redaction started from
    gate_verdict text        NOT NULL,
    findings     jsonb       NOT NULL,     -- [{part, rule, start, end, text}], in the gate's order
    at           timestamptz NOT NULL,
    PRIMARY KEY (story_id, channel, n)
);

-- An approver's acknowledgement of one `review` finding of one version, and why.
CREATE TABLE story_acknowledgements (
    story_id uuid        NOT NULL,
    channel  text        NOT NULL,
    n        integer     NOT NULL,
    finding  integer     NOT NULL,         -- index into the version's findings
    rule     text        NOT NULL,
    reason   text        NOT NULL,
    by_id    text        NOT NULL,
    by_role  text        NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (story_id, channel, n, finding),
    FOREIGN KEY (story_id, channel, n) REFERENCES story_versions (story_id, channel, n)
        ON DELETE CASCADE
);

-- What the approver approved: how far it circulates, on which accounts, which versions.
CREATE TABLE story_approvals (
    story_id        uuid PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE,
    scope           text        NOT NULL,
    public_channels text[]      NOT NULL,
    versions        jsonb       NOT NULL,  -- {channel: n}
    by_id           text        NOT NULL,
    by_role         text        NOT NULL,
    at              timestamptz NOT NULL
);

-- One post per public channel of an approved story, and what the publisher answered.
CREATE TABLE story_posts (
    post_id          uuid PRIMARY KEY,
    story_id         uuid        NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    channel          text        NOT NULL,
    version          integer     NOT NULL,
    state            text        NOT NULL,  -- requested | posted | failed
    provider_post_id text,
    public_url       text,
    reason           text,
    retryable        boolean,
    requested_at     timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX story_posts_story ON story_posts (story_id);
