-- Issue 16, item 2: the roster signs the access tokens every service verifies.
--
-- signing_keys: ES256 key pairs. The private key is stored only sealed (AES-256-GCM under the
-- `signing_key_kek` setting, bound to its kid), so a database dump signs nothing. A key is
-- published in the JWKS from publish_at, signs from sign_from (later, so every verifier's cached
-- JWKS knows it before its first token arrives) until a newer key signs, and stays published until
-- retire_at, once the last token it signed has expired.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    private_key text NOT NULL,                -- sealed PKCS#8 PEM (nazar_platform.auth.sealed)
    kek_id      text NOT NULL,
    public_jwk  jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    publish_at  timestamptz NOT NULL,
    sign_from   timestamptz NOT NULL,
    retire_at   timestamptz,                  -- set when a newer key starts signing
    CHECK (sign_from >= publish_at)
);

-- Refresh tokens rotate on every use; all descendants of one sign-in form a family. A refresh
-- token presented a second time means it was copied: the whole family is revoked.
CREATE TABLE refresh_families (
    family_id   uuid PRIMARY KEY,
    member_id   text NOT NULL REFERENCES members (member_id),
    -- The sign-in rows go after a day (workers/sign_in_retention.py); the family lives on.
    sign_in_id  uuid REFERENCES sign_ins (sign_in_id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    revoked_why text CHECK (revoked_why IN ('reuse', 'sign_out', 'deactivated', 'erased'))
);
CREATE INDEX refresh_families_member ON refresh_families (member_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,            -- keyed hash (domain/sign_in.py); never the token
    family_id   uuid NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz                   -- rotated: a second use is reuse
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Deactivation or erasure revokes the member's refresh families in the same transaction as the
-- roster change, whichever use case (API, import, full sync) makes it: hence a trigger.
CREATE FUNCTION revoke_member_refresh() RETURNS trigger AS $$
BEGIN
    IF (OLD.active AND NOT NEW.active) OR (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL) THEN
        UPDATE refresh_families
           SET revoked_at = now(),
               revoked_why = CASE WHEN NEW.erased_at IS NOT NULL THEN 'erased' ELSE 'deactivated' END
         WHERE member_id = NEW.member_id AND revoked_at IS NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER members_revoke_refresh
    AFTER UPDATE OF active, erased_at ON members
    FOR EACH ROW EXECUTE FUNCTION revoke_member_refresh();
