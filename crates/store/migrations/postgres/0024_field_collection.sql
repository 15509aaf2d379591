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
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id) ON DELETE CASCADE DEFERRABLE,
    token_id      TEXT NOT NULL REFERENCES api_tokens(id) DEFERRABLE,
    received_at   BIGINT NOT NULL
);

-- Attachments of an instance a client sends over several posts, kept until its last post
-- arrives; then the whole instance is stored at once and these rows go. The content is in the
-- file store under sha256.
CREATE TABLE field_parts (
    instance_id TEXT NOT NULL,
    token_id    TEXT NOT NULL REFERENCES api_tokens(id) DEFERRABLE,
    name        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    received_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, token_id, name)
);
