-- When a story arrived at the level it waits at: the time at each step (from arrival to the
-- decision) and the age of the oldest story in each queue are measured from it. A story already
-- waiting counts from its last change, the closest record there is.
ALTER TABLE stories ADD COLUMN arrived_at timestamptz;
UPDATE stories SET arrived_at = updated_at WHERE state = 'in_review';
