-- Web Push subscriptions of the field app (issue 17): one row per browser a member allowed
-- notifications in. The endpoint and keys identify a device, so they are personal data: they
-- go out only on roster.contacts.v1 (with the numbers) and are deleted with an erasure.
CREATE TABLE push_subscriptions (
    member_id text NOT NULL REFERENCES members (member_id),
    endpoint text NOT NULL,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, endpoint)
);

-- A member without subscriptions keeps the exact document (and hash) they had: adding the
-- field to everyone would republish every contact once for nothing.
CREATE OR REPLACE VIEW contact_docs AS
SELECT m.member_id, CASE WHEN ps.subs IS NULL THEN json_build_object(
    'member_id', m.member_id, 'whatsapp', c.whatsapp, 'sms', c.sms,
    'preferred_language', m.preferred_language, 'active', m.active,
    'messaging_allowed', m.active AND cs.state IN ('granted', 'not_required'),
    'consent_state', cs.state, 'synthetic', m.synthetic)
ELSE json_build_object(
    'member_id', m.member_id, 'whatsapp', c.whatsapp, 'sms', c.sms,
    'preferred_language', m.preferred_language, 'active', m.active,
    'messaging_allowed', m.active AND cs.state IN ('granted', 'not_required'),
    'consent_state', cs.state, 'synthetic', m.synthetic, 'push', ps.subs)
END AS doc
FROM members m
CROSS JOIN LATERAL (SELECT roster_consent_state(m.consent_required, m.consent_state) AS state) cs
LEFT JOIN contacts c ON c.member_id = m.member_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('endpoint', p.endpoint, 'p256dh', p.p256dh,
                                      'auth', p.auth, 'since', roster_ts(p.created_at))
                    ORDER BY p.created_at, p.endpoint) AS subs
    FROM push_subscriptions p WHERE p.member_id = m.member_id
) ps ON true
WHERE m.erased_at IS NULL;
