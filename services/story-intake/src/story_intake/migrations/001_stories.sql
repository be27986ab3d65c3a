-- The command tree as story-intake needs it (the author's circle and district), rebuilt from
-- the compacted roster.units.v1.
CREATE TABLE units (
    id         text PRIMARY KEY,
    kind       text        NOT NULL,
    path       text[]      NOT NULL,          -- unit ids from the state down to this unit
    version    integer     NOT NULL DEFAULT 1, -- the roster's; an older record never wins
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A field story and where it stands in the moderation chain. The FIR / case reference is
-- internal: it never leaves this database (not in events, not to other services).
CREATE TABLE stories (
    id              uuid PRIMARY KEY,
    author_id       text        NOT NULL,
    author_role     text        NOT NULL,
    unit_id         text        NOT NULL,
    circle_id       text,
    district_id     text        NOT NULL,
    kind            text        NOT NULL,
    title_hi        text,
    title_en        text,
    text_hi         text,
    text_en         text,
    place           text,
    latitude        double precision,
    longitude       double precision,
    event_date      date,
    case_ref        text,
    state           text        NOT NULL,
    level           text,                    -- the step it waits at (or was sent back from)
    last_editor_id  text        NOT NULL,
    gate_verdict    text        NOT NULL,
    gate_rules      text[]      NOT NULL DEFAULT '{}',
    sexual_offence  boolean     NOT NULL DEFAULT false,
    child_involved  boolean     NOT NULL DEFAULT false,
    claim_by        text,
    claim_role      text,
    claim_at        timestamptz,
    claim_lapses_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX stories_author ON stories (author_id, created_at DESC);
-- The queues: what waits at a level, for a circle or a district (PHQ sees its whole level).
CREATE INDEX stories_queue ON stories (level, circle_id, district_id, updated_at)
    WHERE state = 'in_review';

-- Every step of a story, with the note (send back) or reason (reject) the author reads.
CREATE TABLE story_steps (
    id        bigserial PRIMARY KEY,
    story_id  uuid        NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    action    text        NOT NULL,          -- created | edited | submitted | forward | ...
    level     text,
    by_id     text        NOT NULL,
    by_role   text        NOT NULL,
    note      text,
    at        timestamptz NOT NULL
);
CREATE INDEX story_steps_story ON story_steps (story_id, id);
