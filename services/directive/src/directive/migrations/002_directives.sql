CREATE TABLE attachments (
    id           uuid PRIMARY KEY,
    filename     text        NOT NULL,
    content_type text        NOT NULL,
    size         bigint      NOT NULL,
    sha256       text        NOT NULL,        -- also the file's name under the attachment folder
    uploaded_by  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directives (
    id                  uuid PRIMARY KEY,
    kind                text        NOT NULL,
    state               text        NOT NULL,
    priority            text        NOT NULL,
    title_hi            text,
    body_hi             text,
    title_en            text,
    body_en             text,
    audience_units      text[]      NOT NULL, -- as chosen; empty: the whole state
    audience_roles      text[],               -- NULL: every role
    ack_required        boolean     NOT NULL,
    relay_mode          text        NOT NULL,
    relay_deadline      timestamptz NOT NULL,
    ack_window          interval    NOT NULL,
    ack_threshold       real        NOT NULL,
    expires_at          timestamptz NOT NULL,
    attachment_ids      uuid[]      NOT NULL DEFAULT '{}',
    issued_by           text        NOT NULL,
    issued_by_unit      text        NOT NULL,
    issued_at           timestamptz NOT NULL,
    original_message_id uuid        NOT NULL,
    first_request_at    timestamptz,          -- first dispatch.requested of any of its messages
    last_request_at     timestamptz,
    cancelled_at        timestamptz,
    closed_at           timestamptz,
    version             integer     NOT NULL DEFAULT 1
);
CREATE INDEX directives_recent ON directives (issued_at DESC, id DESC);
CREATE INDEX directives_open ON directives (state) WHERE state <> 'closed';

-- The districts a directive targets and what became of each one's relay.
CREATE TABLE directive_districts (
    directive_id     uuid        NOT NULL REFERENCES directives (id),
    district_id      text        NOT NULL,
    range_id         text,
    circles          text[],                  -- NULL: every circle of the district
    relayed_at       timestamptz,             -- first relay
    overdue_at       timestamptz,             -- escalated to the IG, or relayed automatically
    PRIMARY KEY (directive_id, district_id)
);
CREATE INDEX directive_districts_district ON directive_districts (district_id);

-- One thing said to an audience: the original, each update, the cancellation, a note, an
-- escalation notice. Deliveries are (message, member).
CREATE TABLE messages (
    id            uuid PRIMARY KEY,
    directive_id  uuid        NOT NULL REFERENCES directives (id),
    kind          text        NOT NULL,
    seq           integer     NOT NULL,
    title_hi      text,
    body_hi       text,
    title_en      text,
    body_en       text,
    ack_requested boolean     NOT NULL,
    reply_code    text        NOT NULL,
    unit_id       text,                       -- a note's circle, an escalation's unit
    created_by    text,
    created_at    timestamptz NOT NULL,
    UNIQUE (directive_id, seq)
);

CREATE TABLE relays (
    id           uuid PRIMARY KEY,
    directive_id uuid        NOT NULL REFERENCES directives (id),
    district_id  text        NOT NULL,
    circles      text[]      NOT NULL,
    note         text,
    relayed_by   text,                        -- NULL: relayed automatically at the deadline
    created_at   timestamptz NOT NULL
);
CREATE INDEX relays_directive ON relays (directive_id, created_at);

-- Each relayed circle and where it stands in the acknowledgement escalation.
CREATE TABLE relayed_circles (
    directive_id uuid        NOT NULL REFERENCES directives (id),
    circle_id    text        NOT NULL,
    district_id  text        NOT NULL,
    relay_id     uuid        NOT NULL,
    relayed_at   timestamptz NOT NULL,
    stage        smallint    NOT NULL DEFAULT 0,  -- domain.escalation.CircleStage
    PRIMARY KEY (directive_id, circle_id)
);
CREATE INDEX relayed_circles_watching ON relayed_circles (relayed_at) WHERE stage IN (0, 1);

CREATE TABLE escalations (
    message_id   uuid PRIMARY KEY REFERENCES messages (id),
    directive_id uuid        NOT NULL REFERENCES directives (id),
    kind         text        NOT NULL,
    unit_id      text        NOT NULL,        -- the district or circle that is behind
    recipients   text[]      NOT NULL,
    ack_share    real,
    created_at   timestamptz NOT NULL,
    UNIQUE (directive_id, kind, unit_id)
);

-- Fan-out work: one row per event that sends messages. `member_ids` is the audience snapshot
-- taken when the job was created (a relay's circle groups as they stood at the moment of relay);
-- a job without it derives its audience from `source_message_id`'s deliveries (an update goes
-- to everyone who got the original). `cursor` is the last member id whose deliveries are on
-- Kafka, so a restarted fan-out resumes after it.
CREATE TABLE jobs (
    id                uuid PRIMARY KEY,
    directive_id      uuid        NOT NULL REFERENCES directives (id),
    kind              text        NOT NULL,
    message_ids       uuid[]      NOT NULL,
    member_ids        text[],
    source_message_id uuid,
    scope_units       text[],                 -- count recipients under these units if posted there
    roles             text[],
    note              text,
    cursor            text        NOT NULL DEFAULT '',
    requested         integer     NOT NULL DEFAULT 0,
    attempts          integer     NOT NULL DEFAULT 0, -- runs started; > 1: resumed after a crash
    created_at        timestamptz NOT NULL,
    finished_at       timestamptz
);
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE finished_at IS NULL;
