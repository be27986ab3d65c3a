-- Automatic decisions on the same trail as requests: what a consumer or a scheduler changed on its
-- own (an opt-out withdrawing consent, an automatic relay, an escalation, an alert's routing),
-- written by `nazar_platform.db.audit.record` in the transaction of the change itself.
-- * `actor`: 'system:<worker>' for an automatic decision; NULL for a request (member_id says who).
-- * `subject`: what the decision is about ('directive:<id>', 'incident:<id>'), beside the unit
--   and member targets a request also has.
-- * `cause_event_id`: the CloudEvents id of the event that triggered it; a scheduler's decision
--   has none and says in `reason` which deadline passed.
-- A request's columns (request id, method, path, status) are those of a request only. The check
-- is NOT VALID: every row already there is a request's, complete under the NOT NULL constraints
-- dropped here, and checking them again would hold the table's lock through a scan of the whole
-- trail; every new row is checked.
ALTER TABLE audit_log
    ADD COLUMN actor          text,
    ADD COLUMN subject        text,
    ADD COLUMN cause_event_id text,
    ALTER COLUMN request_id DROP NOT NULL,
    ALTER COLUMN method DROP NOT NULL,
    ALTER COLUMN path DROP NOT NULL,
    ALTER COLUMN status DROP NOT NULL,
    ADD CONSTRAINT audit_log_request_or_automatic CHECK (
        CASE WHEN actor IS NULL
             THEN request_id IS NOT NULL AND method IS NOT NULL AND path IS NOT NULL
                  AND status IS NOT NULL AND cause_event_id IS NULL
             ELSE actor LIKE 'system:_%' AND action IS NOT NULL
                  AND (cause_event_id IS NOT NULL OR reason IS NOT NULL)
        END) NOT VALID;
-- One entry per decision of one event: a redelivered event (even to a consumer that skips the
-- processed-event table) writes nothing more (the writer's INSERT does nothing on conflict).
CREATE UNIQUE INDEX audit_log_once_per_cause ON audit_log (
    cause_event_id, actor, action, coalesce(subject, ''), coalesce(target_unit, ''),
    coalesce(target_member, '')
) WHERE cause_event_id IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, id) WHERE actor IS NOT NULL;
