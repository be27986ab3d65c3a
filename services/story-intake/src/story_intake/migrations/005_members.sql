-- Members as the moderation console needs them (from the compacted roster.members.v1): names to
-- show who claimed a story and who took each step, and, in local and test stacks, the postings
-- the dev sign-in turns into grants. No phone numbers (the topic carries none).
CREATE TABLE members (
    id         text PRIMARY KEY,
    name_hi    text,
    name_latin text,
    roles      text[]      NOT NULL,          -- postings: roles[i] at unit_ids[i], primary first
    unit_ids   text[]      NOT NULL,
    active     boolean     NOT NULL,
    version    integer     NOT NULL,          -- the roster's; an older record never wins
    updated_at timestamptz NOT NULL DEFAULT now()
);
