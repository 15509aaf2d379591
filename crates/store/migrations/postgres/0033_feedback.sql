-- Feedback and complaints left on the public page. Nothing about the sender is kept but what
-- they chose to give: no address, no account, no link to a case. `form_key` is a hash of the
-- form's one-time key, so that the same form sent twice is stored once.
CREATE TABLE IF NOT EXISTS feedback (
    id           TEXT PRIMARY KEY,
    reference    TEXT NOT NULL UNIQUE,
    form_key     TEXT NOT NULL UNIQUE,
    office_id    TEXT REFERENCES offices(id) DEFERRABLE,
    kind         TEXT NOT NULL CHECK (kind IN ('feedback', 'complaint')),
    about        TEXT NOT NULL,
    message      TEXT NOT NULL,
    contact_way  TEXT NOT NULL CHECK (contact_way IN ('none', 'phone', 'sms', 'email')),
    contact      TEXT,
    language     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'acknowledged', 'referred', 'resolved')),
    referred_to  TEXT,
    response     TEXT,
    received_at  BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    handled_by   TEXT REFERENCES users(id) DEFERRABLE
);
CREATE INDEX IF NOT EXISTS feedback_office ON feedback (office_id, status, received_at);
