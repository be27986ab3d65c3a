-- Issue 20, item 3: the office's member list pages through a unit's subtree with filters. The
-- common filters (active, a role, consent granted, WhatsApp) fill a page from the first members
-- of the subtree; the rare ones (inactive, consent withdrawn or pending, no channel) would read
-- every member of a district to fill one. These partial indexes hold just those members, so the
-- planner joins the few of them with the subtree instead (bench/roster/members.py, EXPLAIN).
CREATE INDEX members_inactive ON members (member_id) WHERE NOT active AND erased_at IS NULL;
CREATE INDEX members_consent_open ON members (consent_state, member_id)
    WHERE consent_required AND erased_at IS NULL
      AND consent_state IS DISTINCT FROM 'granted';
CREATE INDEX contacts_no_channel ON contacts (member_id) WHERE whatsapp IS NULL AND sms IS NULL;
-- A name searched within a unit is matched member by member in the unit's sorted ids: this
-- covering index answers each without the table (once vacuumed, as autovacuum does after an
-- import), in the ids' order.
CREATE INDEX members_list ON members (member_id) INCLUDE (name_hi, name_latin, active)
    WHERE erased_at IS NULL;
