-- uuid_generate_v5: delivery ids are computed where the deliveries are written, in one statement
-- with the audience (the same RFC 4122 name-based UUID as nazar_contracts.ids.delivery_id).
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

-- One row per message and member. Receipts update the status columns in place; none of them is
-- indexed and pages keep free space, so those updates stay HOT (no index churn).
CREATE TABLE deliveries (
    id            uuid PRIMARY KEY,           -- delivery_id(message_id, member_id)
    message_id    uuid        NOT NULL,
    directive_id  uuid        NOT NULL,
    member_id     text        NOT NULL,
    job_id        uuid        NOT NULL,       -- the fan-out job that created (and publishes) it
    unit_id       text        NOT NULL,       -- where the member is counted, as at relay
    ack_requested boolean     NOT NULL,
    requested_at  timestamptz NOT NULL,
    status        smallint    NOT NULL DEFAULT 0,  -- domain.reach.Status
    failed        boolean     NOT NULL DEFAULT false,
    sent_at       timestamptz,
    delivered_at  timestamptz,
    read_at       timestamptz,
    failed_at     timestamptz,
    failure       text,
    acked_at      timestamptz,
    ack_via       text
) WITH (fillfactor = 80);
CREATE INDEX deliveries_member ON deliveries (member_id, requested_at DESC);
CREATE INDEX deliveries_message ON deliveries (message_id, member_id);

-- Exact, incremental reach: one row per message and leaf unit, changed in the same transaction as
-- the deliveries it counts. Roll-ups sum these rows along `path`, which is the unit's place in the
-- tree when its first delivery was made, so later moves in the tree do not rewrite history.
CREATE TABLE reach_counters (
    message_id   uuid    NOT NULL,
    unit_id      text    NOT NULL,
    directive_id uuid    NOT NULL,
    path         text[]  NOT NULL,
    targeted     integer NOT NULL DEFAULT 0,
    sent         integer NOT NULL DEFAULT 0,
    delivered    integer NOT NULL DEFAULT 0,
    read         integer NOT NULL DEFAULT 0,
    acknowledged integer NOT NULL DEFAULT 0,
    failed       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, unit_id)
);
CREATE INDEX reach_counters_directive ON reach_counters (directive_id);
