-- Issue 16, items 1-3: a sign-in attempt, from the phone number to the tokens. Its steps are
-- filled by different use cases: the code (handlers/sign_in_codes.py: request, verify), the
-- passkey where the member's grants need one (handlers/passkeys.py), and the exchange of the
-- completed attempt for tokens (handlers/sessions.py), which happens once.
--
-- Nothing here opens a door by itself: the code and the ticket are stored only as keyed hashes
-- (HMAC-SHA256 with the roster's sign-in key), the phone number only as a keyed hash (for the
-- per-phone rate limit and so the same answer can be given whether or not it is on the roster).
CREATE TABLE sign_ins (
    sign_in_id          uuid PRIMARY KEY,
    member_id           text REFERENCES members (member_id),  -- NULL: number not on the roster
    phone_key           bytea NOT NULL,           -- keyed hash of the E.164 number
    ip                  inet,
    channel             text CHECK (channel IN ('whatsapp', 'sms')),
    code_hash           bytea,                    -- keyed hash of the 6-digit code
    attempts            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,     -- the code's life (5 minutes)
    code_verified_at    timestamptz,
    locked_at           timestamptz,              -- 5 wrong codes
    needs_passkey       boolean NOT NULL DEFAULT false,  -- decided at verify, from the grants
    passkey_verified_at timestamptz,
    ticket_hash         bytea UNIQUE,             -- keyed hash of the ticket handed out at verify
    ticket_expires_at   timestamptz,
    redeemed_at         timestamptz               -- exchanged for tokens (once)
);
CREATE INDEX sign_ins_phone_recent ON sign_ins (phone_key, created_at);
CREATE INDEX sign_ins_ip_recent ON sign_ins (ip, created_at);
CREATE INDEX sign_ins_created ON sign_ins (created_at);
