-- What the cell sees and does once a story is published (issue 14): the approver's choice for a
-- version over X's limit, each post's account, provider code and thread parts, its withdrawal
-- (asked, Instagram's by-hand task, confirmed, done or failed), and the official accounts'
-- state as the social-publisher reports it.

-- `refuse`: a text over X's 280 fails back to the cell; `thread`: it goes as a numbered thread.
ALTER TABLE story_approvals ADD COLUMN overflow text NOT NULL DEFAULT 'refuse';

ALTER TABLE story_posts
    ADD COLUMN overflow        text,                         -- refuse | thread (X only)
    ADD COLUMN provider_code   text,                         -- the network's code of a failure
    ADD COLUMN account_id      text,                         -- the publisher's account key
    ADD COLUMN thread_post_ids text[] NOT NULL DEFAULT '{}', -- X threads: every part, in order
    -- The post's withdrawal: requested → (Instagram) task_open → confirmed → withdrawn, or
    -- failed (the network refused; asked again, it is requested again). NULL: never asked.
    ADD COLUMN w_state         text,
    ADD COLUMN w_reason        text,
    ADD COLUMN w_by            text,
    ADD COLUMN w_by_role       text,
    ADD COLUMN w_at            timestamptz,
    ADD COLUMN w_task_id       uuid,
    ADD COLUMN w_task_at       timestamptz,
    ADD COLUMN w_confirmed_by  text,
    ADD COLUMN w_confirmed_at  timestamptz,
    ADD COLUMN w_method        text,                         -- api | by_hand
    ADD COLUMN w_failure       text,
    ADD COLUMN w_failure_code  text,
    ADD COLUMN w_done_at       timestamptz;

-- The official accounts as the publisher reports them (publish.results.v1, keyed by account):
-- a stopped account posts nothing until a person acts; every cell page says so.
CREATE TABLE publish_accounts (
    account_id    text PRIMARY KEY,
    channel       text        NOT NULL,
    name          text,
    state         text        NOT NULL,  -- stopped | active
    reason        text,
    provider_code text,
    since         timestamptz NOT NULL   -- when it entered `state` (the event's time)
);
CREATE INDEX publish_accounts_stopped ON publish_accounts (since) WHERE state = 'stopped';
