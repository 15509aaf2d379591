-- Encrypted field submissions (a form with a public key): kept as they came, unreadable to
-- the server, until a key holder decrypts them (`reintegra forms decrypt`); each is then
-- received as any other submission and leaves this table. The files (the encrypted instance
-- and its media) are in the file store: `files` maps each name to its SHA-256 (JSON).
CREATE TABLE sealed_submissions (
    id           TEXT PRIMARY KEY,
    instance_id  TEXT NOT NULL UNIQUE,
    token_id     TEXT REFERENCES api_tokens(id) DEFERRABLE,
    user_id      TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    form_id      TEXT NOT NULL,
    form_version TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    files        TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version) DEFERRABLE
);
