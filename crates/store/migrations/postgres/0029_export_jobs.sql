-- Exports made in the background: the page shows their progress, and the finished file is
-- kept (beside the database, in exports/) for a day for the user who asked, then removed
-- with its row by the daily retention run.
CREATE TABLE IF NOT EXISTS export_jobs (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    what        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    rows        BIGINT NOT NULL DEFAULT 0 CHECK (rows >= 0),
    file_name   TEXT,
    media_type  TEXT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX IF NOT EXISTS export_jobs_user ON export_jobs (user_id, created_at);
CREATE INDEX IF NOT EXISTS export_jobs_created ON export_jobs (created_at);
