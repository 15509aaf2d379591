-- Field collection with OpenRosa clients (ODK Collect, web forms).
--
-- A device account is a token of a named user, kept (like API tokens) only as its hash. The
-- kind keeps the two apart: a device token opens the OpenRosa paths only, an API token the
-- JSON API only.
ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api'
    CHECK (kind IN ('api', 'device'));

-- Each instance a client sent, by the id the client gave it: a resubmission of the same
-- instance is recognised and nothing is stored twice. Written in the transaction that stores
-- the submission.
CREATE TABLE field_instances (
    instance_id   TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE,
    -- The device token it came through; none for a JSON submission made with a session.
    token_id      TEXT REFERENCES api_tokens(id),
    received_at   INTEGER NOT NULL
);

-- Attachments of an instance a client sends over several posts, kept until its last post
-- arrives; then the whole instance is stored at once and these rows go. The content is in the
-- file store under sha256.
CREATE TABLE field_parts (
    instance_id TEXT NOT NULL,
    token_id    TEXT NOT NULL REFERENCES api_tokens(id),
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    received_at INTEGER NOT NULL,
    PRIMARY KEY (instance_id, token_id, name)
);

-- Incremental pulls of a form's completed submissions, in the order they were completed.
CREATE INDEX submissions_form_completed ON submissions(form_id, completed_at, id)
    WHERE status = 'complete';

-- A field submission about a case its sender was unassigned from after downloading their list:
-- not dropped, not stored as theirs, but held until a programme manager accepts it (it is then
-- stored as a submission, by its sender) or declines it (it is deleted).
CREATE TABLE held_submissions (
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
CREATE INDEX held_submissions_case ON held_submissions(case_id);
