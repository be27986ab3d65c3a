-- Members' consent as the roster records it (roster.members.v1): intake takes a story from a
-- community volunteer only while their consent is granted. Police and officials need none
-- (`required` false). An erased member's row is deleted.
CREATE TABLE member_consent (
    member_id  text PRIMARY KEY,
    required   boolean     NOT NULL,
    state      text        NOT NULL,          -- granted | withdrawn | pending | not_required
    version    integer     NOT NULL,          -- the roster's; an older record never wins
    updated_at timestamptz NOT NULL DEFAULT now()
);
