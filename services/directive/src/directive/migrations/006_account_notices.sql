-- The PHQ social media cell is told when an official account stops (issue 14: publish.results.v1
-- PublishAccountStopped): those messages, their jobs and deliveries belong to the account.
ALTER TABLE messages DROP CONSTRAINT messages_origin;
ALTER TABLE messages ADD CONSTRAINT messages_origin CHECK (
    origin_kind IN ('directive', 'story', 'alert', 'account')
    AND (origin_kind = 'directive') = (directive_id IS NOT NULL)
    AND (directive_id IS NULL OR origin_id = directive_id::text)
    AND (directive_id IS NOT NULL OR priority IS NOT NULL));
