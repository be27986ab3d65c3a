-- The per-account publishing queue (issue 14, item 4). One row per PublishRequested post id: a
-- replayed request finds its row and is a no-op. `seq` is the arrival order an account's posts
-- go out in.
CREATE TABLE social_posts (
    post_id          text PRIMARY KEY,
    seq              bigserial NOT NULL UNIQUE,
    story_id         text NOT NULL,
    network          text NOT NULL CHECK (network IN ('x', 'facebook', 'instagram')),
    account_id       text NOT NULL REFERENCES social_accounts (account_id),
    text             text NOT NULL,
    overflow         text NOT NULL DEFAULT 'refuse' CHECK (overflow IN ('refuse', 'thread')),
    -- The request's creatives as it named them (sha256, size, media type, signed URL, alt text):
    -- the bytes are fetched and checked by the media store before each attempt.
    media            jsonb NOT NULL DEFAULT '[]',
    scheduled_for    timestamptz,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'in_flight',
                         'unclear', 'posted', 'failed', 'withdrawing', 'withdrawal_task',
                         'withdrawn')),
    attempts         integer NOT NULL DEFAULT 0,
    -- Transient failures only: rate limits and a stopped account do not use up the post's tries.
    retries          integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    provider_post_id text,
    public_url       text,
    thread_post_ids  text[] NOT NULL DEFAULT '{}',
    last_code        text,
    last_reason      text,
    retryable        boolean,
    requested_at     timestamptz NOT NULL,
    admitted_at      timestamptz NOT NULL DEFAULT now(),
    posted_at        timestamptz,
    -- A withdrawal asked by the cell (taken down once the post is out; a queued post never goes).
    withdraw_reason       text,
    withdraw_requested_by text,
    withdraw_requested_at timestamptz,
    withdrawn_at          timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- The queue's work: an account's unfinished posts in arrival order.
CREATE INDEX social_posts_open ON social_posts (account_id, seq)
    WHERE state IN ('queued', 'in_flight', 'unclear', 'withdrawing');
CREATE INDEX social_posts_posted ON social_posts (account_id, posted_at) WHERE posted_at IS NOT NULL;

-- Every call to a network for a post, recorded and COMMITTED before the call: an attempt still
-- open at start (no `ended_at`) is a call whose answer was never recorded — the process died
-- mid-call — and is reconciled against the account's recent posts before any retry.
CREATE TABLE social_attempts (
    post_id      text NOT NULL REFERENCES social_posts (post_id),
    n            integer NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    -- posted | rate_limited | transient | unclear | refused | account | reconciled | not_found
    outcome      text,
    code         text,
    reason       text,
    -- Instagram: the media container created, so that an unclear publish can be polled.
    container_id text,
    PRIMARY KEY (post_id, n)
);

-- Instagram's API cannot delete a post: a person does it in the app. The task says who asked,
-- why, who confirmed and when; rows are never deleted.
CREATE TABLE social_withdrawal_tasks (
    task_id      text PRIMARY KEY,
    post_id      text NOT NULL UNIQUE REFERENCES social_posts (post_id),
    account_id   text NOT NULL,
    reason       text NOT NULL,
    opened_by    text NOT NULL,
    opened_at    timestamptz NOT NULL,
    confirmed_by text,
    confirmed_at timestamptz,
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed'))
);
CREATE FUNCTION social_withdrawal_tasks_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'withdrawal tasks are an audit record: never deleted';
END $$;
CREATE TRIGGER social_withdrawal_tasks_kept BEFORE DELETE OR TRUNCATE ON social_withdrawal_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION social_withdrawal_tasks_kept();
