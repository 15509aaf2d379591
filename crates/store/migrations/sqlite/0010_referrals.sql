-- The service map, the stakeholder map and referrals. Records are JSON bodies typed in
-- `domain::services`, `domain::stakeholder` and `domain::referral`; the columns beside them are
-- what lists filter and sort on.

CREATE TABLE providers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);
CREATE INDEX providers_name ON providers(name);

CREATE TABLE services (
    id           TEXT PRIMARY KEY,
    provider_id  TEXT NOT NULL REFERENCES providers(id),
    name         TEXT NOT NULL,
    category     TEXT NOT NULL,
    body         TEXT NOT NULL,
    verified_on  TEXT,
    version      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT REFERENCES users(id)
);
CREATE INDEX services_provider ON services(provider_id);
CREATE INDEX services_category ON services(category, name);

-- Updates proposed from returnees' feedback, waiting for a programme manager.
CREATE TABLE service_updates (
    id             TEXT PRIMARY KEY,
    service_id     TEXT NOT NULL REFERENCES services(id),
    case_id        TEXT REFERENCES cases(id) ON DELETE SET NULL,
    body           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    proposed_by    TEXT REFERENCES users(id),
    proposed_at    INTEGER NOT NULL,
    decided_by     TEXT REFERENCES users(id),
    decided_at     INTEGER,
    decision_note  TEXT
);
CREATE INDEX service_updates_status ON service_updates(status, proposed_at);

CREATE TABLE stakeholders (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);

-- The organisation a partner account works for.
ALTER TABLE users ADD COLUMN provider_id TEXT REFERENCES providers(id);

CREATE TABLE referrals (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    service_id   TEXT NOT NULL REFERENCES services(id),
    provider_id  TEXT NOT NULL REFERENCES providers(id),
    status       TEXT NOT NULL,
    body         TEXT NOT NULL,
    sent_on      TEXT,
    answer_due   TEXT,
    version      INTEGER NOT NULL,
    created_by   TEXT REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX referrals_case ON referrals(case_id, created_at);
CREATE INDEX referrals_provider ON referrals(provider_id, status);
CREATE INDEX referrals_status ON referrals(status, answer_due);

-- The lifecycle of a referral: who did what, through which channel.
CREATE TABLE referral_events (
    id           TEXT PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    step         TEXT NOT NULL,
    note         TEXT NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('staff', 'partner', 'link')),
    actor        TEXT REFERENCES users(id),
    at           INTEGER NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events(referral_id, at);

-- Links for providers without an account. Only the token's SHA-256 is kept.
CREATE TABLE referral_links (
    id           TEXT PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   TEXT REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    revoked_by   TEXT REFERENCES users(id)
);
CREATE INDEX referral_links_referral ON referral_links(referral_id);
