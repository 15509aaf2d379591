-- Files given as answers (photos, recordings, documents). The content lives in the data
-- directory's content-addressed file store (files/<2>/<sha256>), not in these rows.
CREATE TABLE submission_files (
    submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE DEFERRABLE,
    -- The answer's value: the name the file is known by in the submission.
    name          TEXT NOT NULL,
    -- The question it answers (its path in the form post: `name`, `household/0/photo`).
    question      TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          BIGINT NOT NULL CHECK (size >= 0),
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    added_by      TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (submission_id, name)
);
