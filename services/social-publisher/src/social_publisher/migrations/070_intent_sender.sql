-- Several publisher instances: each sender number (and the SMS lane, "sms") is driven by the one
-- instance holding its lease (workers/leases.py). An intent records the number it goes from, so
-- that work an instance consumed for a number it does not own waits here, due at once, for the
-- owner's retry poller (the same path as a deferred retry). Rows from before this migration
-- have none: any instance may claim them, and hands them on by number if it must.
ALTER TABLE intents ADD COLUMN sender text;
UPDATE intents SET sender = 'sms' WHERE channel = 'sms' AND status = 'retry';
CREATE INDEX intents_due_by_sender ON intents (sender, next_attempt_at) WHERE status = 'retry';

-- The portfolio's rolling 24 h quota, shared by every instance: the members sent a template and
-- when last. Each instance adds its new members and reads the count every second
-- (workers/quota.py); rows older than a day no longer count and are deleted.
CREATE TABLE quota_recipients (
    member_id text PRIMARY KEY,
    last_at   timestamptz NOT NULL
);
CREATE INDEX quota_recipients_age ON quota_recipients (last_at);
INSERT INTO quota_recipients (member_id, last_at)
SELECT member_id, max(attempted_at) FROM intents
WHERE channel = 'whatsapp' AND kind = 'template' AND status IN ('pending', 'accepted')
  AND attempted_at > now() - interval '1 day'
GROUP BY member_id;
