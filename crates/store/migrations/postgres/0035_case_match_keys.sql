-- The keys each case is filed under for the duplicate check (domain::duplicates): its names'
-- keys with its year of birth, and its phone number. A check reads the cases sharing a key.
CREATE TABLE case_match_keys (
    key TEXT NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE DEFERRABLE,
    PRIMARY KEY (key, case_id)
); -- SQLite: WITHOUT ROWID (no PostgreSQL counterpart)
CREATE INDEX case_match_keys_by_case ON case_match_keys (case_id);

-- The version of the filing rules the keys follow. When the store's differs (at this migration,
-- and whenever the rules change), it files every case again on opening.
CREATE TABLE case_match_rules (version BIGINT NOT NULL);
