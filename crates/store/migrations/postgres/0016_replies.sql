-- The answer given to a create (or any change) posted with a one-time key, so that the same
-- post sent again (a double click, a browser or client retry) gets the same answer instead of
-- doing the change twice. Kept a day.
-- (SQLite: WITHOUT ROWID, which has no PostgreSQL counterpart.)
CREATE TABLE replies (
    user_id TEXT NOT NULL REFERENCES users (id) DEFERRABLE,
    once_key TEXT NOT NULL,
    -- The method and path posted to: the key only replays the post it came with.
    route TEXT NOT NULL,
    status BIGINT NOT NULL,
    location TEXT,
    content_type TEXT,
    body BYTEA NOT NULL,
    -- Unix seconds (SQLite's column says TEXT, but what it holds are these integers).
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, once_key, route)
);

CREATE INDEX replies_by_age ON replies (created_at);
