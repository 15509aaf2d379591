-- The secret pseudonymised exports derive returnees' pseudonyms with (HMAC-SHA-256 of the case
-- id under this secret and the export's key). Made once, here, so that two first exports at the
-- same moment cannot make two, and never written to the audit trail. It never leaves the
-- database: without it no one can link a pseudonym to a case.
INSERT OR IGNORE INTO programme_settings (key, value, updated_at, updated_by)
VALUES ('pseudonym_secret', lower(hex(randomblob(32))), CAST(strftime('%s', 'now') AS INTEGER), NULL);
