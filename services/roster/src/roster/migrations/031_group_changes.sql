-- Issue 20, item 5: what changed in a group after a transfer. group_members holds only the
-- current membership (recompute replaces a moved group's rows) and roster.groups.v1 carries whole
-- documents, so who joined or left, and when, is kept here: one row per member whose entry in a
-- group appeared, disappeared or changed (role, unit, admin) when the group was recomputed.
-- A group filled for the first time (the first import) records nothing: that is no change.
CREATE TABLE group_member_changes (
    change_id  bigserial PRIMARY KEY,
    group_id   text NOT NULL,
    member_id  text NOT NULL,
    change     text NOT NULL,            -- joined | left | changed
    role       text,                     -- the entry after the change (before it, for `left`)
    unit_id    text,
    is_admin   boolean,
    at         timestamptz NOT NULL DEFAULT now()
);
-- The group page reads the newest first, keyset-paged by change_id.
CREATE INDEX group_member_changes_group ON group_member_changes (group_id, change_id DESC);
-- Erasure deletes a member's rows.
CREATE INDEX group_member_changes_member ON group_member_changes (member_id);

-- The tree's counts walk a unit's subtree (units_path, GIN) to its postings; this index lets the
-- per-unit read of the postings carry the member id and primary flag without the heap.
CREATE INDEX postings_unit_member ON postings (unit_id) INCLUDE (member_id, role, is_primary);
