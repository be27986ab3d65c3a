-- Transactional outbox: rows are written in the same transaction as the state change they
-- announce, and relayed to Kafka in id order by the one relay holding the advisory lock.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    topic        text        NOT NULL,
    key          bytea,
    value        bytea,                 -- NULL is a tombstone
    ce_id        text        NOT NULL,
    ce_type      text        NOT NULL,
    ce_source    text        NOT NULL,
    ce_time      text        NOT NULL,
    ce_subject   text,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
