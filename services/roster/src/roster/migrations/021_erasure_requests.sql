-- Erasure requests (DPDP, issue 20 item 6): the office asks for a member's erasure with a
-- reason; an officer who may erase (the SP of the district, the range IG, PHQ), never the one
-- who asked, approves or rejects it; an approval erases the member as before, in the same
-- transaction. Who asked and who decided is also on the audit trail (every POST is).
-- No name or number is kept here: the member's id, and the units above their postings (their
-- postings go with the erasure; these keep the request visible to the same offices).
CREATE TABLE erasure_requests (
    request_id text PRIMARY KEY,
    member_id text NOT NULL REFERENCES members (member_id),
    units text[] NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status text NOT NULL DEFAULT 'requested'
        CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    decided_by text,
    decided_at timestamptz,
    decision_note text CHECK (length(decision_note) <= 500),
    CHECK ((status = 'requested') = (decided_by IS NULL AND decided_at IS NULL))
);
-- One open request per member.
CREATE UNIQUE INDEX erasure_requests_open ON erasure_requests (member_id)
    WHERE status = 'requested';
CREATE INDEX erasure_requests_units ON erasure_requests USING gin (units);
CREATE INDEX erasure_requests_newest ON erasure_requests (requested_at DESC, request_id);

-- When each read model (directive, social-publisher, story-intake) confirmed it deleted its
-- copy of the member (erasure.confirmations.v1); the first confirmation is kept.
CREATE TABLE erasure_confirmations (
    member_id text NOT NULL,
    read_model text NOT NULL,
    confirmed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, read_model)
);
