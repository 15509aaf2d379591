-- Two-step sign-in. A secret is written when its owner starts setting it up (enabled_at NULL)
-- and counts once confirmed with a code. last_step is the time step of the last code accepted:
-- a code is never accepted twice.
CREATE TABLE two_factor (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE DEFERRABLE,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

-- One-time recovery codes (SHA-256 of 80 random bits each), for when the phone is lost.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- A password accepted, the code still to come: the hash of a random token handed to the
-- browser, good for a few minutes.
CREATE TABLE second_steps (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE,
    created_at BIGINT NOT NULL
);
