-- Field alerts (issue 15): what a member raised, the case as the directive reports it on
-- alert.cases.v1 (the raiser's view), and who may read it. Alerts never join the story flow:
-- only an officer's explicit draft (`story_id`) makes a story from a closed one.
CREATE TABLE alerts (
    id              uuid PRIMARY KEY,          -- fixed by the Idempotency-Key when one is sent
    raised_by       text        NOT NULL,
    raiser_role     text        NOT NULL,
    kind            text        NOT NULL,
    urgency         text        NOT NULL CHECK (urgency IN ('immediate', 'soon')),
    text            text        NOT NULL,
    language        text        NOT NULL CHECK (language IN ('hi', 'en')),
    place_text      text        NOT NULL,
    latitude        double precision,
    longitude       double precision,
    accuracy_m      double precision,
    vehicle_number  text,                      -- normalised: RJ14CA1234
    station_id      text        NOT NULL,      -- the station raised for (a hand-over moves it)
    raised_station_id text      NOT NULL,      -- the station it was raised for
    raised_at       timestamptz NOT NULL,      -- the raiser's time (offline: earlier)
    received_at     timestamptz NOT NULL,
    -- The case (alert.cases.v1): raised → routed → escalated → taken → closed; handed_over
    -- until the next station's routing.
    state           text        NOT NULL DEFAULT 'raised'
        CHECK (state IN ('raised', 'routed', 'escalated', 'taken', 'handed_over', 'closed')),
    incident_id     text,
    joined          boolean     NOT NULL DEFAULT false,
    stage           text CHECK (stage IN ('routed', 'sp', 'ig')),
    taken_by        text,
    taken_role      text,
    taken_station_id text,
    taken_at        timestamptz,
    handed_from     text,
    handed_to       text,
    handed_at       timestamptz,
    outcome         text,
    fir_number      text,
    closed_by       text,
    closed_role     text,
    closed_at       timestamptz,
    case_updated_at timestamptz,
    -- The story draft an officer started from the closed alert (one at most).
    story_id        uuid REFERENCES stories (id) ON DELETE SET NULL,
    story_by        text
);
CREATE INDEX alerts_raiser ON alerts (raised_by, received_at DESC, id DESC);

-- The officers the case reached (routed, escalated) or who acted on it (took, closed): they,
-- and the raiser, may read the alert.
CREATE TABLE alert_officers (
    alert_id   uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    member_id  text NOT NULL,
    via        text NOT NULL CHECK (via IN ('routed', 'escalated', 'taken', 'closed')),
    PRIMARY KEY (alert_id, member_id, via)
);
CREATE INDEX alert_officers_member ON alert_officers (member_id);

-- The photos sent with an alert, processed like story photos (upright, metadata stripped, two
-- renditions) and kept by hash in `stored_files`.
CREATE TABLE alert_photos (
    id             uuid PRIMARY KEY,
    alert_id       uuid        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    position       integer     NOT NULL,
    upload_sha256  text        NOT NULL,
    sha256         text        NOT NULL,
    media_type     text        NOT NULL,
    size           bigint      NOT NULL,
    width          integer     NOT NULL,
    height         integer     NOT NULL,
    thumb_sha256   text        NOT NULL,
    web_sha256     text        NOT NULL,
    added_at       timestamptz NOT NULL,
    UNIQUE (alert_id, position),
    UNIQUE (alert_id, upload_sha256)
);
-- The retention sweep keeps every file an alert's photo names.
CREATE INDEX alert_photos_sha ON alert_photos (sha256);
CREATE INDEX alert_photos_thumb ON alert_photos (thumb_sha256);
CREATE INDEX alert_photos_web ON alert_photos (web_sha256);
