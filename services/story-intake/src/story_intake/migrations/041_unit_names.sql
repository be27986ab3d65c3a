-- The units' names from roster.units.v1 (Hindi and English): the moderation console names a
-- story's unit, the dev sign-in a member's postings, never by code. Rows written before this
-- migration get their names with the unit's next record.
ALTER TABLE units ADD COLUMN name_hi text, ADD COLUMN name_en text;
