-- Files attached to a form version: choice lists (CSV, XML, GeoJSON), pulldata() tables and the
-- media of labels. The content lives in the data directory's file store, named by its SHA-256.
-- Attached while the version is a draft; frozen with it once published.
CREATE TABLE form_files (
    form_id    TEXT NOT NULL,
    version    TEXT NOT NULL,
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       BIGINT NOT NULL CHECK (size >= 0),
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    added_by   TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (form_id, version, name),
    FOREIGN KEY (form_id, version) REFERENCES form_versions(form_id, version) ON DELETE CASCADE DEFERRABLE
);
