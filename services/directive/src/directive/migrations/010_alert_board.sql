-- The alert board (issue 15): closed incidents are listed and exported by when they closed.
CREATE INDEX incidents_closed ON incidents (closed_at DESC, id) WHERE closed_at IS NOT NULL;
-- Open ones newest first; a station's own (its officers' board and record) by station.
CREATE INDEX incidents_open_recent ON incidents (opened_at DESC, id) WHERE closed_at IS NULL;
CREATE INDEX incidents_station ON incidents (station_id);
