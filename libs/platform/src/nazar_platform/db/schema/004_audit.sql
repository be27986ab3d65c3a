-- The audit trail: every state-changing request and every refusal, who/which grant/what/where/
-- outcome/when. Append-only, enforced here: UPDATE, DELETE and TRUNCATE are refused by triggers,
-- whoever asks. Kept forever (it is the record of who did what); no retention job touches it.
CREATE TABLE audit_log (
    id            bigserial   PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_id    text        NOT NULL,
    member_id     text,                   -- who (NULL when unauthenticated)
    grant_role    text,                   -- which of the member's grants was used
    grant_unit    text,
    action        text,                   -- what (the access action, e.g. directive.issue)
    target_unit   text,                   -- on which unit
    target_member text,
    method        text        NOT NULL,
    path          text        NOT NULL,
    status        smallint    NOT NULL,
    outcome       text        NOT NULL CHECK (outcome IN ('allowed', 'refused', 'failed')),
    reason        text,
    client_ip     text,
    user_agent    text
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_member ON audit_log (member_id, id);
CREATE INDEX audit_log_target_unit ON audit_log (target_unit, id);
CREATE INDEX audit_log_grant_unit ON audit_log (grant_unit, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
