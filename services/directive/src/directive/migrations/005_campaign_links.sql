-- Campaigns carried by every circle (issue 14, item 6). A campaign may name the public post it
-- promotes; each circle it is relayed to gets its own short link (/c/{code}) to that post, and the
-- link counts how often it was opened. Counts only: nothing about who opened it is kept.
ALTER TABLE directives ADD COLUMN public_post_url text;

CREATE TABLE campaign_links (
    directive_id uuid        NOT NULL REFERENCES directives (id),
    circle_id    text        NOT NULL,
    district_id  text        NOT NULL,
    code         text        NOT NULL UNIQUE,   -- random, unguessable; the link's only name
    target_url   text        NOT NULL,          -- the public post, copied: one read per redirect
    opens        bigint      NOT NULL DEFAULT 0, -- GETs by people (not previews, not HEAD)
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (directive_id, circle_id)
);
