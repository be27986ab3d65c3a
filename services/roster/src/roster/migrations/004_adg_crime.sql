-- Issue 16, item 4: the state crime group is headed by ADG Crime, the ADG posted at the crime
-- branch (BR-CRIME, nazar_contracts.vocabulary.CRIME_BRANCH; a test holds the two together);
-- another ADG (at PHQ or another branch) is no longer in it. Otherwise as in 002_docs.sql.
CREATE OR REPLACE FUNCTION roster_desired_members(circles text[], state_groups boolean)
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
           (p.role = 'adg' AND p.unit_id = 'BR-CRIME') OR p.role = 'sp_phq_crime'
    FROM postings p
    JOIN units u ON u.unit_id = p.unit_id AND u.active
    JOIN members m ON m.member_id = p.member_id
    WHERE state_groups AND m.active AND m.erased_at IS NULL
      AND (p.role IN ('home_secretary', 'joint_secretary_home', 'police_pro', 'ig', 'sp',
                      'sp_phq_crime', 'content_writer', 'graphics_designer')
           OR (p.role = 'adg' AND p.unit_id = 'BR-CRIME'))
)
SELECT DISTINCT ON (q.group_id, q.member_id) q.group_id, q.member_id, q.role, q.unit_id,
       bool_or(q.is_admin) OVER (PARTITION BY q.group_id, q.member_id)
FROM qualified q
ORDER BY q.group_id, q.member_id, roster_seniority(q.role), q.unit_id
$$;
