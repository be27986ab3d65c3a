-- Idempotency-Key of POST requests: a key is claimed before the handler runs and keeps the
-- final response afterwards, so that a retry gets the first answer instead of a second effect.
-- Keys belong to one caller; they expire after the retention (nazar_platform.idempotency).
CREATE TABLE idempotency_keys (
    caller           text        NOT NULL,  -- member id of the principal; '' when anonymous
    key              text        NOT NULL,
    method           text        NOT NULL,
    path             text        NOT NULL,
    fingerprint      text        NOT NULL,  -- sha256 (hex) of the request body
    claim            uuid        NOT NULL,  -- the attempt holding the key
    locked_until     timestamptz,           -- in flight until then; NULL once completed
    status           smallint,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
