-- The publisher's own copy of the contacts the roster publishes on roster.contacts.v1.
CREATE TABLE contacts (
    member_id          text PRIMARY KEY,
    whatsapp           text,
    sms                text,
    preferred_language text NOT NULL,
    active             boolean NOT NULL,
    messaging_allowed  boolean NOT NULL,
    consent_state      text NOT NULL,
    synthetic          boolean NOT NULL,
    version            bigint NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX contacts_whatsapp ON contacts (whatsapp) WHERE whatsapp IS NOT NULL;
CREATE INDEX contacts_sms ON contacts (sms) WHERE sms IS NOT NULL;

-- A member's own message opens WhatsApp's 24-hour customer-service window.
CREATE TABLE member_windows (
    member_id       text PRIMARY KEY,
    last_inbound_at timestamptz NOT NULL
);

-- One row per delivery: written before the provider is called (see domain/intents.py).
CREATE TABLE intents (
    delivery_id         text PRIMARY KEY,
    message_id          text NOT NULL,
    member_id           text NOT NULL,
    priority            text NOT NULL,
    channel             text NOT NULL,
    kind                text NOT NULL,
    status              text NOT NULL,
    receipt             text,
    provider_message_id text,
    attempts            integer NOT NULL DEFAULT 1,
    possible_duplicate  boolean NOT NULL DEFAULT false,
    fallback_from       text,
    reply_code          text,
    request             jsonb NOT NULL,
    error               jsonb,
    next_attempt_at     timestamptz,
    attempted_at        timestamptz NOT NULL DEFAULT now(),
    answered_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intents_unanswered ON intents (attempted_at) WHERE status = 'pending';
CREATE INDEX intents_due ON intents (next_attempt_at) WHERE status = 'retry';
CREATE INDEX intents_provider_id ON intents (provider_message_id);
CREATE INDEX intents_reply_code ON intents (member_id, reply_code) WHERE reply_code IS NOT NULL;
CREATE INDEX intents_template_sends ON intents (attempted_at) WHERE channel = 'whatsapp' AND kind = 'template';

-- Webhook events already applied: (provider message id, status or 'message'). Meta redelivers
-- webhooks for days; a second copy finds its key here and changes nothing.
CREATE TABLE webhook_seen (
    provider_message_id text NOT NULL,
    event               text NOT NULL,
    seen_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_message_id, event)
);
CREATE INDEX webhook_seen_age ON webhook_seen (seen_at);
