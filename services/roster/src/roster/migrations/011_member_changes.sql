-- Issue 20, item 3: the office's changes to one member. A posting that ends (a transfer, an
-- import that no longer lists it) is kept here with the day it ended and who ended it, so a
-- member's page shows their postings with their history; the consent a clerk records keeps its
-- proof (the day it was given, who recorded it) beside the method already on `members`.
CREATE TABLE posting_history (
    history_id bigserial PRIMARY KEY,
    member_id  text NOT NULL,
    role       text NOT NULL,
    unit_id    text NOT NULL,
    is_primary boolean NOT NULL,
    since      date NOT NULL,
    until      date NOT NULL,
    ended_by   text,                      -- the member who ended it; NULL: an import or the tree
    ended_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX posting_history_member ON posting_history (member_id, until DESC);

-- Every ended posting, whoever deletes it: the transfer names the day and the clerk in the
-- transaction's settings (roster.posting_until, roster.changed_by); otherwise it ended today.
-- An erased member's postings leave no history (erasure keeps nothing personal).
CREATE FUNCTION roster_posting_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM members WHERE member_id = OLD.member_id AND erased_at IS NOT NULL)
    THEN
        RETURN NULL;
    END IF;
    INSERT INTO posting_history (member_id, role, unit_id, is_primary, since, until, ended_by)
    VALUES (OLD.member_id, OLD.role, OLD.unit_id, OLD.is_primary, OLD.since,
            GREATEST(OLD.since, COALESCE(NULLIF(current_setting('roster.posting_until', true), '')::date,
                                          current_date)),
            NULLIF(current_setting('roster.changed_by', true), ''));
    RETURN NULL;
END
$$;
CREATE TRIGGER postings_ended AFTER DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION roster_posting_ended();

ALTER TABLE members ADD COLUMN consent_given_on date, ADD COLUMN consent_recorded_by text;

-- Erasure (which sets erased_at) takes the proof and the history with it.
CREATE FUNCTION roster_member_erased() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.consent_given_on := NULL;
    NEW.consent_recorded_by := NULL;
    DELETE FROM posting_history WHERE member_id = NEW.member_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER members_erased BEFORE UPDATE OF erased_at ON members
    FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
    EXECUTE FUNCTION roster_member_erased();

-- A member's page reads the audit entries about them, newest first.
CREATE INDEX IF NOT EXISTS audit_log_target_member ON audit_log (target_member, id)
    WHERE target_member IS NOT NULL;
