-- Files uploaded for a bulk import, between the upload and the import (or its abandonment).
-- The content is in the file store under its SHA-256; the row says whose it is. Rows older
-- than a day are removed with their file by the daily retention run.
CREATE TABLE IF NOT EXISTS import_files (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS import_files_uploaded ON import_files (uploaded_at);
