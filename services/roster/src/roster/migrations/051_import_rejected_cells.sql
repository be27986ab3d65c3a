-- The rejected rows as the clerk wrote them, so that the report hands them back as a CSV to fix
-- and upload again: the file's header (its own column order, unknown columns included) and each
-- rejected row's cells. The cells can hold phone numbers: they are cleared once
-- NAZAR_IMPORT_REJECTED_ROWS_KEPT has passed (the roster's hourly retention sweep) and when the
-- member the row names is erased.
ALTER TABLE imports ADD COLUMN header text[];
ALTER TABLE import_rejections ADD COLUMN cells text[];
