-- The roster as the directive service needs it, rebuilt from the compacted roster topics.
-- Names are kept for the console and the record; an erased member's row is deleted.
CREATE TABLE units (
    id         text PRIMARY KEY,
    kind       text        NOT NULL,
    parent_id  text,
    path       text[]      NOT NULL,          -- unit ids from the state down to this unit
    name_hi    text,
    name_en    text,
    active     boolean     NOT NULL DEFAULT true,
    version    integer     NOT NULL DEFAULT 1,        -- the roster's; an older record never wins
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_path ON units USING gin (path);

CREATE TABLE members (
    id         text PRIMARY KEY,
    name_hi    text,
    name_latin text,
    language   text,
    active     boolean     NOT NULL,
    consented  boolean,                       -- NULL: consent does not apply (police personnel)
    synthetic  boolean     NOT NULL DEFAULT false,
    roles      text[]      NOT NULL,          -- roles[i] is held at unit_ids[i]
    unit_ids   text[]      NOT NULL,
    reachable  boolean     NOT NULL,          -- active and, for a volunteer, consenting
    -- murmur2(id) & 0x7fffffff: the Kafka partition of the member's deliveries is this modulo the
    -- partition count. Computed once here, not for every delivery of a state-wide fan-out.
    key_hash   integer     NOT NULL,
    version    integer     NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_roles ON members USING gin (roles);
CREATE INDEX members_units ON members USING gin (unit_ids);

CREATE TABLE groups (
    id         text PRIMARY KEY,
    kind       text        NOT NULL,          -- circle | state_crime | phq_crime_admin | ...
    unit_id    text,
    admins     text[]      NOT NULL,
    members    text[]      NOT NULL,          -- every member id, admins included
    version    integer     NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_unit ON groups (unit_id);
