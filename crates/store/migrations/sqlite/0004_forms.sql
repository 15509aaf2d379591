-- Form definitions (XLSForm-compatible, as JSON) by version, and the submissions filled with them.
CREATE TABLE form_versions (
    form_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    definition   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    origin       TEXT NOT NULL CHECK (origin IN ('shipped', 'upload')),
    uploaded_by  TEXT REFERENCES users(id),
    uploaded_at  INTEGER NOT NULL,
    published_by TEXT REFERENCES users(id),
    published_at INTEGER,
    PRIMARY KEY (form_id, version)
);

-- A published version never changes and is never removed: answers point at it.
CREATE TRIGGER form_versions_published_frozen
BEFORE UPDATE ON form_versions WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published form versions are immutable');
END;
CREATE TRIGGER form_versions_published_kept
BEFORE DELETE ON form_versions WHEN OLD.status = 'published'
BEGIN
    SELECT RAISE(ABORT, 'published form versions are immutable');
END;

CREATE TABLE submissions (
    id             TEXT PRIMARY KEY,
    form_id        TEXT NOT NULL,
    form_version   TEXT NOT NULL,
    subject_type   TEXT NOT NULL CHECK (subject_type IN ('case')),
    subject_id     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'complete')),
    answers        TEXT NOT NULL,
    interviewer_id TEXT NOT NULL REFERENCES users(id),
    interview_date TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    completed_at   INTEGER,
    row_version    INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version)
);
CREATE INDEX submissions_subject ON submissions(subject_type, subject_id, created_at);
