-- The roster's own state: the command tree, members and their postings, phone numbers (contacts,
-- the only table with them), derived groups, imports. What was last published for each key lives
-- in `published` (see there), so that a change is detected by comparing state, never timestamps.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION roster_ts(timestamptz) RETURNS text LANGUAGE sql STABLE AS
$$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE FUNCTION roster_seniority(text) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT array_position(ARRAY['home_secretary','adg','joint_secretary_home','ig','sp',
       'sp_phq_crime','co','police_pro','sho','inspector','si','asi','head_constable','constable',
       'content_writer','graphics_designer','clg_member','gram_rakshak','police_mitra',
       'suraksha_sakhi'], $1) $$;

CREATE TABLE units (
    unit_id    text PRIMARY KEY,
    kind       text NOT NULL,
    name_hi    text NOT NULL,
    name_en    text NOT NULL,
    parent_id  text REFERENCES units (unit_id),
    path       text[] NOT NULL DEFAULT '{}',   -- root .. self, maintained by the store
    circle_id  text,                          -- the circle of a circle or police station
    active     boolean NOT NULL DEFAULT true,
    closed_at  timestamptz
);
CREATE INDEX units_parent ON units (parent_id);
CREATE INDEX units_path ON units USING gin (path);
CREATE INDEX units_circle ON units (circle_id);
CREATE INDEX units_name_hi ON units USING gin (name_hi gin_trgm_ops);
CREATE INDEX units_name_en ON units USING gin (lower(name_en) gin_trgm_ops);

-- History: every published version of every unit (renames, moves, closure).
CREATE TABLE unit_versions (
    unit_id     text NOT NULL,
    version     integer NOT NULL,
    doc         jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, version)
);

CREATE TABLE members (
    member_id           text PRIMARY KEY,
    key_kind            text NOT NULL,            -- pno | vol | tel: what the id derives from
    personnel_no        text UNIQUE,
    volunteer_id        text UNIQUE,
    name_hi             text,
    name_latin          text,
    preferred_language  text NOT NULL DEFAULT 'hi',
    active              boolean NOT NULL DEFAULT true,
    synthetic           boolean NOT NULL DEFAULT false,
    consent_required    boolean NOT NULL DEFAULT false,  -- has a community posting
    consent_state       text,                     -- granted | pending | withdrawn (volunteers)
    consent_purpose     text,
    consent_method      text,
    consent_recorded_at timestamptz,
    consent_withdrawn_at timestamptz,
    erased_at           timestamptz,              -- an erased member keeps only this row's id
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_name_hi ON members USING gin (name_hi gin_trgm_ops);
CREATE INDEX members_name_latin ON members USING gin (lower(name_latin) gin_trgm_ops);

-- No foreign keys on postings, contacts and group_members: they are written set-based from
-- checked staging tables (unknown units are rejected there), and per-row RI triggers cost as much
-- as the inserts themselves at state scale. Erasure deletes a member's rows explicitly.
CREATE TABLE postings (
    member_id  text NOT NULL,
    role       text NOT NULL,
    unit_id    text NOT NULL,
    is_primary boolean NOT NULL,
    since      date NOT NULL,
    PRIMARY KEY (member_id, role, unit_id)
);
CREATE INDEX postings_unit ON postings (unit_id, role);
CREATE INDEX postings_role ON postings (role);

-- Phone numbers (E.164) live here and on roster.contacts.v1 only.
CREATE TABLE contacts (
    member_id text PRIMARY KEY,
    whatsapp  text,
    sms       text
);

CREATE TABLE groups (
    group_id   text PRIMARY KEY,
    kind       text NOT NULL,
    unit_id    text NOT NULL,
    name_hi    text NOT NULL,
    name_en    text NOT NULL,
    active     boolean NOT NULL DEFAULT true
);

CREATE TABLE group_members (
    group_id  text NOT NULL,
    member_id text NOT NULL,
    role      text NOT NULL,
    unit_id   text NOT NULL,
    is_admin  boolean NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

-- The version and md5 of the event last published per aggregate and key (aggregate: unit,
-- member, contact, group). A narrow table of its own, so that bumping versions after a bulk
-- import never rewrites the wide, trigram-indexed member rows.
CREATE TABLE published (
    aggregate  text NOT NULL,
    key        text NOT NULL,
    version    integer NOT NULL,
    hash       text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (aggregate, key)
) WITH (fillfactor = 80);

CREATE TABLE imports (
    import_id    text PRIMARY KEY,
    kind         text NOT NULL,
    full_sync    boolean NOT NULL,
    filename     text,
    uploaded_by  text NOT NULL,
    scope_units  text[],                      -- NULL: the whole state
    status       text NOT NULL,               -- running | done | failed
    error        text,
    total_rows   integer NOT NULL DEFAULT 0,
    counts       jsonb NOT NULL DEFAULT '{}',
    received_at  timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX imports_received ON imports (received_at DESC);

-- Rejected rows only (accepted rows are counted): row number, the key a clerk recognises (never
-- a phone number), and reason codes.
CREATE TABLE import_rejections (
    import_id   text NOT NULL REFERENCES imports (import_id) ON DELETE CASCADE,
    row_no      integer NOT NULL,
    natural_key text,
    member_id   text,
    reasons     jsonb NOT NULL,
    PRIMARY KEY (import_id, row_no)
);
CREATE INDEX import_rejections_member ON import_rejections (member_id);
