-- The events, built set-based: each view gives the full current state of one aggregate as the
-- JSON its topic carries (without version and updated_at, which the publisher adds). json, not
-- jsonb: the text is what gets hashed and published, and json builds it a third faster. The tests
-- parse every published record with the nazar_contracts models.
CREATE VIEW unit_docs AS
SELECT u.unit_id, json_build_object(
    'unit_id', u.unit_id, 'kind', u.kind,
    'name', json_build_object('hi', u.name_hi, 'en', u.name_en),
    'parent_id', u.parent_id, 'path', to_json(u.path), 'active', u.active,
    'closed_at', roster_ts(u.closed_at)) AS doc
FROM units u;

CREATE FUNCTION roster_consent_state(required boolean, stored text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN NOT required THEN 'not_required'
               WHEN stored IN ('granted', 'withdrawn') THEN stored ELSE 'pending' END $$;

-- The member document is built in roster/store/publish.py (MEMBER_TEXTS): it aggregates the
-- postings of just the members being published in one hash aggregate, which a view evaluated
-- member by member cannot do.

CREATE VIEW contact_docs AS
SELECT m.member_id, json_build_object(
    'member_id', m.member_id, 'whatsapp', c.whatsapp, 'sms', c.sms,
    'preferred_language', m.preferred_language, 'active', m.active,
    'messaging_allowed', m.active AND cs.state IN ('granted', 'not_required'),
    'consent_state', cs.state, 'synthetic', m.synthetic) AS doc
FROM members m
CROSS JOIN LATERAL (SELECT roster_consent_state(m.consent_required, m.consent_state) AS state) cs
LEFT JOIN contacts c ON c.member_id = m.member_id
WHERE m.erased_at IS NULL;

CREATE VIEW group_docs AS
SELECT g.group_id, json_build_object(
    'group_id', g.group_id, 'kind', g.kind, 'unit_id', g.unit_id,
    'name', json_build_object('hi', g.name_hi, 'en', g.name_en),
    'admins', COALESCE((SELECT json_agg(gm.member_id ORDER BY gm.member_id)
                        FROM group_members gm
                        WHERE gm.group_id = g.group_id AND gm.is_admin), '[]'::json),
    'members', COALESCE((SELECT json_agg(json_build_object('member_id', gm.member_id,
                             'role', gm.role, 'unit_id', gm.unit_id) ORDER BY gm.member_id)
                         FROM group_members gm WHERE gm.group_id = g.group_id), '[]'::json)
    ) AS doc
FROM groups g
WHERE g.active;

-- Who belongs to which group, derived from postings and the tree (the rules of
-- roster.domain.groups). `circles` limits the circle groups computed; the two state groups are
-- computed when `state_groups` is true.
CREATE FUNCTION roster_desired_members(circles text[], state_groups boolean)
RETURNS TABLE (group_id text, member_id text, role text, unit_id text, is_admin boolean)
LANGUAGE sql STABLE AS $$
WITH qualified AS (
    SELECT 'circle.' || u.circle_id AS group_id, p.member_id, p.role, p.unit_id,
           (p.role = 'co' AND u.kind = 'circle') AS is_admin
    FROM units u
    JOIN postings p ON p.unit_id = u.unit_id
    JOIN members m ON m.member_id = p.member_id
    JOIN units c ON c.unit_id = u.circle_id AND c.active
    WHERE u.circle_id = ANY(circles) AND u.active AND m.active AND m.erased_at IS NULL
  UNION ALL
    SELECT 'circle.' || c.unit_id, p.member_id, p.role, p.unit_id, false
    FROM units c
    JOIN units u ON u.unit_id = ANY(c.path) AND u.active
                AND u.kind IN ('district', 'range', 'commissionerate')
    JOIN postings p ON p.unit_id = u.unit_id
                   AND ((p.role = 'sp' AND u.kind = 'district')
                        OR (p.role = 'ig' AND u.kind IN ('range', 'commissionerate')))
    JOIN members m ON m.member_id = p.member_id
    WHERE c.unit_id = ANY(circles) AND c.kind = 'circle' AND c.active
      AND m.active AND m.erased_at IS NULL
  UNION ALL
    SELECT CASE WHEN p.role IN ('sp_phq_crime', 'content_writer', 'graphics_designer')
                THEN 'phq-crime-admin' ELSE 'state-crime' END,
           p.member_id, p.role, p.unit_id,
           (p.role = 'adg' AND u.kind = 'state') OR p.role = 'sp_phq_crime'
    FROM postings p
    JOIN units u ON u.unit_id = p.unit_id AND u.active
    JOIN members m ON m.member_id = p.member_id
    WHERE state_groups AND m.active AND m.erased_at IS NULL
      AND p.role IN ('adg', 'home_secretary', 'joint_secretary_home', 'police_pro', 'ig', 'sp',
                     'sp_phq_crime', 'content_writer', 'graphics_designer')
)
SELECT DISTINCT ON (q.group_id, q.member_id) q.group_id, q.member_id, q.role, q.unit_id,
       bool_or(q.is_admin) OVER (PARTITION BY q.group_id, q.member_id)
FROM qualified q
ORDER BY q.group_id, q.member_id, roster_seniority(q.role), q.unit_id
$$;
