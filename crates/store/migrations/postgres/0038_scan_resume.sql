-- Where the next duplicates scan starts: after this key of the duplicate check (none: from the
-- first). A scan compares the pairs of a slice of keys and the next one goes on from there, so
-- that over successive nights every pair is compared however many there are.
ALTER TABLE duplicate_scans ADD COLUMN resume_after TEXT;
