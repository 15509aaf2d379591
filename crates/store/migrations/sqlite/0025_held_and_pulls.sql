-- Answers sent as JSON through the API are recognised by their instance id too; they come
-- through no device, so an instance's token may be empty. (SQLite changes a column's
-- constraint by rebuilding its table.)
CREATE TABLE field_instances_new (
    instance_id   TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE,
    -- The device token it came through; none for a JSON submission.
    token_id      TEXT REFERENCES api_tokens(id),
    received_at   INTEGER NOT NULL
);
INSERT INTO field_instances_new SELECT instance_id, submission_id, token_id, received_at
    FROM field_instances;
DROP TABLE field_instances;
ALTER TABLE field_instances_new RENAME TO field_instances;

-- Incremental pulls of a form's completed submissions, in the order they were completed. (IF NOT
-- EXISTS: development databases of the unreleased 0024 may have it already.)
CREATE INDEX IF NOT EXISTS submissions_form_completed ON submissions(form_id, completed_at, id)
    WHERE status = 'complete';

-- A field submission about a case its sender was unassigned from after downloading their list:
-- not dropped, not stored as theirs, but held until a programme manager accepts it (it is then
-- stored as a submission, by its sender) or declines it (it is deleted).
CREATE TABLE IF NOT EXISTS held_submissions (
    id           TEXT PRIMARY KEY,
    instance_id  TEXT NOT NULL UNIQUE,
    token_id     TEXT REFERENCES api_tokens(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    case_id      TEXT NOT NULL REFERENCES cases(id),
    form_id      TEXT NOT NULL,
    form_version TEXT NOT NULL,
    -- The answers as received (JSON), the returnee question taken out.
    answers      TEXT NOT NULL,
    -- Its files (JSON): each with the name it was sent as, the name it is kept under, the
    -- question, media type, size and SHA-256 in the file store.
    files        TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version)
);
CREATE INDEX IF NOT EXISTS held_submissions_case ON held_submissions(case_id);
