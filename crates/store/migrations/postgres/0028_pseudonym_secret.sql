-- The secret pseudonymised exports derive returnees' pseudonyms with (HMAC-SHA-256 of the case
-- id under this secret and the export's key). Made once, here, so that two first exports at the
-- same moment cannot make two, and never written to the audit trail. It never leaves the
-- database: without it no one can link a pseudonym to a case.
--
-- SQLite: lower(hex(randomblob(32))), 64 lowercase hex digits. PostgreSQL has no built-in
-- random bytes function without pgcrypto; gen_random_uuid() (built in since PostgreSQL 13)
-- draws from the same cryptographically strong source (pg_strong_random), so the secret is the
-- SHA-256 of two fresh v4 UUIDs (244 random bits), written as 64 lowercase hex digits.
-- strftime('%s', 'now') is the current Unix time in whole seconds.
INSERT INTO programme_settings (key, value, updated_at, updated_by)
VALUES (
    'pseudonym_secret',
    encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'),
    floor(extract(epoch FROM now()))::bigint,
    NULL
)
ON CONFLICT DO NOTHING;
