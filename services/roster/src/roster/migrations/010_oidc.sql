-- Issue 16 item 6: OpenID Connect, a second way in for officers (handlers/oidc_sign_in.py).
--
-- A sign-in through the state's single sign-on is a `sign_ins` row like a phone sign-in's, with
-- channel 'oidc': no phone number (phone_key NULL), no code; `code_verified_at` is when the
-- provider's ID token was accepted (the first factor), and the ticket, the passkey step and the
-- token exchange are the same as after a code.
ALTER TABLE sign_ins DROP CONSTRAINT sign_ins_channel_check;
ALTER TABLE sign_ins ADD CONSTRAINT sign_ins_channel_check
    CHECK (channel IN ('whatsapp', 'sms', 'oidc'));
ALTER TABLE sign_ins ALTER COLUMN phone_key DROP NOT NULL;

-- Between /auth/oidc/start and the provider's callback: the authorization request's state (only
-- as a keyed hash: it is the browser's proof), its nonce and PKCE code verifier (useless without
-- the code, which only the browser gets), and the page to return to. Taken once by the callback;
-- expired rows are deleted as new ones are made.
CREATE TABLE oidc_states (
    state_key     bytea PRIMARY KEY,
    nonce         text NOT NULL,
    code_verifier text NOT NULL,
    next_path     text NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at);
