-- The queues in the order reviewers work them, oldest arrival first (a claim no longer moves a
-- story down), one index per way a queue is asked for: a CO's circles, an SP's districts, the
-- whole PHQ level. With 100,000 stories the PHQ page was a sort of every story waiting there
-- (bench/stories/queue.py).
DROP INDEX stories_queue;
CREATE INDEX stories_queue_circle ON stories (level, circle_id, arrived_at, id)
    WHERE state = 'in_review';
CREATE INDEX stories_queue_district ON stories (level, district_id, arrived_at, id)
    WHERE state = 'in_review';
CREATE INDEX stories_queue_level ON stories (level, arrived_at, id) WHERE state = 'in_review';
