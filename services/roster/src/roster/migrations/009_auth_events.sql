-- Issue 16, item 7: the sign-in audit. The platform's audit_log records each request and counts
-- 401s and 403s only as refusals; sign-in's story (codes sent, wrong codes, lockouts, sign-ins,
-- revoked sessions, passkeys added, used, removed and reset) is written here by the use cases,
-- in the same transaction as the change it records (store/auth_events.py).
--
-- Never a phone number or a code: the member id when known, the channel, reasons, counts. Kept
-- forever and append-only, as audit_log is (platform schema 004_audit.sql).
CREATE TABLE auth_events (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind       text NOT NULL CHECK (kind ~ '^[a-z][a-z_]*$'),
    member_id  text,                          -- whose sign-in or passkey; NULL when not known
    detail     jsonb NOT NULL DEFAULT '{}',
    ip         inet,
    request_id text
);
CREATE INDEX auth_events_member ON auth_events (member_id, id);
CREATE INDEX auth_events_kind ON auth_events (kind, id);

CREATE FUNCTION auth_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auth_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER auth_events_no_update_delete BEFORE UPDATE OR DELETE ON auth_events
    FOR EACH ROW EXECUTE FUNCTION auth_events_refuse_change();
CREATE TRIGGER auth_events_no_truncate BEFORE TRUNCATE ON auth_events
    FOR EACH STATEMENT EXECUTE FUNCTION auth_events_refuse_change();

-- Deactivation and erasure revoke the member's sessions in a trigger (007_tokens.sql), whatever
-- made the change: the trigger records it too, when there was a session to end.
CREATE OR REPLACE FUNCTION revoke_member_refresh() RETURNS trigger AS $$
DECLARE
    why text;
    ended integer;
BEGIN
    IF (OLD.active AND NOT NEW.active) OR (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL) THEN
        why := CASE WHEN NEW.erased_at IS NOT NULL THEN 'erased' ELSE 'deactivated' END;
        UPDATE refresh_families
           SET revoked_at = now(), revoked_why = why
         WHERE member_id = NEW.member_id AND revoked_at IS NULL;
        GET DIAGNOSTICS ended = ROW_COUNT;
        IF ended > 0 THEN
            INSERT INTO auth_events (kind, member_id, detail)
            VALUES ('sessions_revoked', NEW.member_id,
                    jsonb_build_object('why', why, 'families', ended));
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
