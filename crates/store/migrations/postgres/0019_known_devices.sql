-- Browsers an account has signed in from (the hash of a random token in a long-lived cookie):
-- guesses at an account from elsewhere slow sign-in down everywhere but there.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE,
    created_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);
