-- X's OAuth 2.0 authorization code flow with PKCE (issue 14): one row per authorize round trip
-- the cell starts. The state is the row's key; the code_verifier is sealed with the token key and
-- never leaves the server; a row is used once (deleted when the callback takes it) and expires.
CREATE TABLE x_oauth_states (
    state          text PRIMARY KEY,
    account_id     text NOT NULL REFERENCES social_accounts (account_id) ON DELETE CASCADE,
    code_verifier  bytea NOT NULL,
    started_by     text NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX x_oauth_states_expiry ON x_oauth_states (expires_at);
