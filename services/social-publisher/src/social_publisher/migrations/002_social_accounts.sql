-- The official accounts posts go to (issue 14): one row per account, several per network. The
-- tokens are encrypted at rest (Fernet, NAZAR_SOCIAL_TOKEN_KEY) and decrypted only for a call; a
-- stopped account posts nothing until a person reconnects or unblocks it.
CREATE TABLE social_accounts (
    account_id          text PRIMARY KEY,
    network             text NOT NULL CHECK (network IN ('x', 'facebook', 'instagram')),
    name                text NOT NULL,
    provider_account_id text NOT NULL,
    handle              text NOT NULL,
    daily_cap           integer,
    access_token        bytea,
    refresh_token       bytea,
    token_expires_at    timestamptz,
    -- Bumped on every new token pair, so that a refresh can tell it lost a race.
    token_version       bigint NOT NULL DEFAULT 0,
    state               text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'stopped')),
    stopped_code        text,
    stopped_reason      text,
    stopped_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX social_accounts_network ON social_accounts (network, account_id);
