-- Field alerts (issue 15). Story-intake takes an alert in; from `nazar.alert.raised.v1` this
-- service owns the case. Alerts of one kind within 500 m (or at the same place text) and 30
-- minutes of an open incident join it: the officers are messaged once per incident, each
-- raiser still hears about their own alert. An incident's id is the id of its first alert.
-- Messages, jobs and deliveries of an alert are of origin ('alert', incident id); the raiser's
-- own notices are of origin ('alert', alert id).

CREATE TABLE incidents (
    id                 text PRIMARY KEY,             -- its first alert's id
    kind               text        NOT NULL,
    urgency            text        NOT NULL,         -- the most urgent of its alerts
    station_id         text        NOT NULL,         -- the station holding it (changes on hand-over)
    circle_id          text,
    district_id        text,
    range_id           text,
    place_text         text        NOT NULL,         -- the first alert's, for clustering and display
    place_key          text        NOT NULL,         -- normalised place text: same key, same place
    latitude           double precision,
    longitude          double precision,
    alert_count        integer     NOT NULL DEFAULT 1,
    stage              text        NOT NULL,         -- routed | sp | ig (AlertStage)
    next_escalation_at timestamptz,                  -- NULL once taken, closed, or at the top
    opened_at          timestamptz NOT NULL,         -- the first alert's raised_at
    last_raised_at     timestamptz NOT NULL,         -- clustering window runs from here
    taken_by           text,
    taken_at           timestamptz,
    closed_by          text,
    closed_at          timestamptz,
    outcome            text,
    fir_number         text,
    version            integer     NOT NULL DEFAULT 1, -- bumped on every change: live updates
    updated_at         timestamptz NOT NULL,
    CHECK (stage IN ('routed', 'sp', 'ig')),
    CHECK ((closed_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX incidents_open ON incidents (station_id, kind, last_raised_at)
    WHERE closed_at IS NULL;
CREATE INDEX incidents_escalation ON incidents (next_escalation_at)
    WHERE next_escalation_at IS NOT NULL AND closed_at IS NULL;
CREATE INDEX incidents_recent ON incidents (opened_at DESC, id);

CREATE TABLE alerts (
    id              text PRIMARY KEY,                -- story-intake's alert id
    incident_id     text        NOT NULL REFERENCES incidents (id),
    kind            text        NOT NULL,
    urgency         text        NOT NULL,
    text            text        NOT NULL,
    language        text        NOT NULL,
    place_text      text        NOT NULL,
    latitude        double precision,
    longitude       double precision,
    accuracy_m      double precision,
    vehicle_number  text,
    photos          jsonb       NOT NULL DEFAULT '[]', -- AlertPhoto list: sha256, signed URL
    raised_by       text        NOT NULL,
    raiser_role     text        NOT NULL,
    station_id      text        NOT NULL,            -- the station it was raised for
    raised_at       timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    routed_at       timestamptz NOT NULL,
    first_request_at timestamptz                      -- first dispatch.requested to an officer
);
CREATE INDEX alerts_incident ON alerts (incident_id);
CREATE INDEX alerts_raiser ON alerts (raised_by, raised_at DESC);

-- Every officer an incident was routed or escalated to, and at which stage: who may see the
-- raiser, who may take it, who the board shows it to (with their superiors).
CREATE TABLE incident_officers (
    incident_id text        NOT NULL REFERENCES incidents (id),
    member_id   text        NOT NULL,
    role        text        NOT NULL,
    stage       text        NOT NULL,
    message_id  uuid        NOT NULL,
    added_at    timestamptz NOT NULL,
    PRIMARY KEY (incident_id, member_id)
);
CREATE INDEX incident_officers_member ON incident_officers (member_id);

