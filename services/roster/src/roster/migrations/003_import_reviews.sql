-- Imports that say what they did: each committed chunk leaves a progress row (an import that stops
-- half-way is `interrupted` with what it applied, never `failed`), and a full sync is reviewed
-- before it applies: the members it would deactivate, the confirmations it needs and got, and the
-- uploaded file, kept only until the sync is applied or its review expires.
ALTER TABLE imports
    ADD COLUMN confirmations_needed integer,  -- a full sync: 1 (the uploader) or 2 (and a second officer)
    ADD COLUMN confirm_before timestamptz;

CREATE TABLE import_progress (
    import_id text NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    chunk     integer NOT NULL,
    rows      integer NOT NULL,
    created   integer NOT NULL,
    changed   integer NOT NULL,
    events    integer NOT NULL,
    PRIMARY KEY (import_id, chunk)
);

CREATE TABLE import_deactivations (
    import_id text NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    member_id text NOT NULL,
    PRIMARY KEY (import_id, member_id)
);

CREATE TABLE import_confirmations (
    import_id    text NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    member_id    text NOT NULL,
    confirmed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, member_id)
);

-- Holds phone numbers while it exists: deleted when the sync is applied, fails or expires.
CREATE TABLE import_files (
    import_id text PRIMARY KEY REFERENCES imports (import_id) ON DELETE CASCADE,
    body      bytea NOT NULL
);
