-- Refusals (401, 403, 429) are audited as counts per minute, not one row per request: a flood of
-- refused requests adds at most one row per caller, status, precise reason, action and minute.
-- `who` is the member when the token was verified, else the client address; past a cap of
-- distinct callers in one minute a process counts the rest under who_kind 'overflow' (who '*').
-- Rows are only ever counted up (an upsert `count = count + n`): any other UPDATE, a DELETE and
-- TRUNCATE are refused by triggers, as for audit_log. Kept forever.
CREATE TABLE audit_refusals (
    id        bigserial   PRIMARY KEY,
    minute    timestamptz NOT NULL,
    who_kind  text        NOT NULL CHECK (who_kind IN ('member', 'address', 'overflow')),
    who       text        NOT NULL,
    status    smallint    NOT NULL,
    reason    text        NOT NULL,   -- precise: key_confusion, outside_scope, rate_limit.address
    action    text        NOT NULL,   -- the access action refused; '' when none was decided
    count     bigint      NOT NULL CHECK (count > 0),
    first_at  timestamptz NOT NULL,
    last_at   timestamptz NOT NULL,
    UNIQUE (minute, who_kind, who, status, reason, action)
);
CREATE INDEX audit_refusals_who ON audit_refusals (who, minute);

CREATE FUNCTION audit_refusals_count_up_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.minute, NEW.who_kind, NEW.who, NEW.status, NEW.reason, NEW.action,
            NEW.first_at) IS NOT DISTINCT FROM
           (OLD.id, OLD.minute, OLD.who_kind, OLD.who, OLD.status, OLD.reason, OLD.action,
            OLD.first_at)
       AND NEW.count >= OLD.count AND NEW.last_at >= OLD.last_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_refusals only counts up: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_refusals_no_change BEFORE UPDATE OR DELETE ON audit_refusals
    FOR EACH ROW EXECUTE FUNCTION audit_refusals_count_up_only();
CREATE TRIGGER audit_refusals_no_truncate BEFORE TRUNCATE ON audit_refusals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refusals_count_up_only();
