-- Issue 16, item 3: passkeys (WebAuthn). Members whose grants can do harm state-wide or to many
-- people add one and use it after the code; others may (handlers/passkeys.py).
--
-- A passkey is a public key: nothing here signs in by itself. The credential id is the
-- authenticator's handle for it; sign_count is the authenticator's counter, which must grow (a
-- counter that goes back is a cloned key).
CREATE TABLE passkeys (
    credential_id bytea PRIMARY KEY,
    member_id     text NOT NULL REFERENCES members (member_id),
    public_key    bytea NOT NULL,             -- COSE key, as the authenticator gave it
    sign_count    bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
    transports    text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX passkeys_member ON passkeys (member_id);

-- The pending WebAuthn challenge. During sign-in it is bound to the sign-in attempt (one at a
-- time: new options replace it); a signed-in member adding a passkey has one bound to them alone
-- (sign_in_id NULL). Either way it is deleted by the first answer, right or wrong, so it is used
-- once, and refused after expires_at.
CREATE TABLE passkey_challenges (
    challenge_id uuid PRIMARY KEY,
    sign_in_id   uuid REFERENCES sign_ins (sign_in_id) ON DELETE CASCADE,
    member_id    text NOT NULL REFERENCES members (member_id),
    mode         text NOT NULL CHECK (mode IN ('register', 'authenticate')),
    challenge    bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX passkey_challenges_sign_in ON passkey_challenges (sign_in_id)
    WHERE sign_in_id IS NOT NULL;
CREATE UNIQUE INDEX passkey_challenges_member ON passkey_challenges (member_id)
    WHERE sign_in_id IS NULL;
CREATE INDEX passkey_challenges_expires ON passkey_challenges (expires_at);

-- Erasure removes what identifies a person; a passkey is tied to their authenticator.
CREATE FUNCTION forget_erased_passkeys() RETURNS trigger AS $$
BEGIN
    IF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL THEN
        DELETE FROM passkeys WHERE member_id = NEW.member_id;
        DELETE FROM passkey_challenges WHERE member_id = NEW.member_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER members_forget_passkeys
    AFTER UPDATE OF erased_at ON members
    FOR EACH ROW EXECUTE FUNCTION forget_erased_passkeys();
