-- The request a decision came with (a UUID derived from its Idempotency-Key): a retry after a
-- crash between the decision's commit and its stored answer finds its step and applies nothing
-- again, answering as the first did.
ALTER TABLE story_steps ADD COLUMN request_id uuid;
CREATE UNIQUE INDEX story_steps_request ON story_steps (request_id) WHERE request_id IS NOT NULL;
