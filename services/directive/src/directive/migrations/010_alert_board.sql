-- The alert board (issue 15): closed incidents are listed and exported by when they closed.
CREATE INDEX incidents_closed ON incidents (closed_at DESC, id) WHERE closed_at IS NOT NULL;
