-- A circle whose window ends with members the provider has not taken yet is held, its clock
-- restarting until none is waiting (domain/escalation.py). clock_from NULL: the relay's time.
ALTER TABLE relayed_circles
    ADD COLUMN clock_from timestamptz,
    ADD COLUMN held       boolean NOT NULL DEFAULT false;

CREATE INDEX relayed_circles_held ON relayed_circles (directive_id) WHERE held;
