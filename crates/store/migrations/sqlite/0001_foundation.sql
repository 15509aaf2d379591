-- Foundation: offices, accounts, sessions, cases, consent, audit.
-- Timestamps are UTC Unix seconds (INTEGER); calendar dates are ISO text (YYYY-MM-DD).

CREATE TABLE offices (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL,
    office_id             TEXT REFERENCES offices(id),
    password_hash         TEXT NOT NULL,
    must_change_password  INTEGER NOT NULL DEFAULT 0,
    disabled              INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL
);
CREATE INDEX users_office ON users(office_id, role);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Failed sign-ins, keyed "account:<username>" or "address:<ip>"; pruned as they age out.
CREATE TABLE login_failures (
    key  TEXT NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key, at);

CREATE TABLE case_sequences (
    office_id  TEXT NOT NULL REFERENCES offices(id),
    year       INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (office_id, year)
);

CREATE TABLE cases (
    id                     TEXT PRIMARY KEY,
    case_number            TEXT NOT NULL UNIQUE,
    office_id              TEXT NOT NULL REFERENCES offices(id),
    case_manager_id        TEXT REFERENCES users(id),
    given_name             TEXT NOT NULL,
    family_name            TEXT NOT NULL,
    family_name_folded     TEXT NOT NULL,
    sex                    TEXT NOT NULL,
    gender                 TEXT,
    date_of_birth          TEXT,
    -- derived from the date of birth when known, otherwise as recorded
    age_at_return          INTEGER,
    nationality            TEXT NOT NULL,
    return_date            TEXT NOT NULL,
    returned_from          TEXT NOT NULL,
    absence_months         INTEGER,
    return_type            TEXT NOT NULL,
    free_choice            INTEGER,
    informed_decision      INTEGER,
    return_country         TEXT NOT NULL,
    return_province        TEXT NOT NULL,
    return_province_folded TEXT NOT NULL,
    return_community       TEXT,
    community_is_origin    INTEGER,
    vulnerability_details  TEXT,
    restricted_flag        INTEGER NOT NULL,
    -- derived: the flag, or a restricting vulnerability
    restricted             INTEGER NOT NULL,
    phone                  TEXT,
    email                  TEXT,
    address                TEXT,
    preferred_language     TEXT,
    stage                  TEXT NOT NULL,
    version                INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    created_by             TEXT REFERENCES users(id),
    updated_at             INTEGER NOT NULL,
    updated_by             TEXT REFERENCES users(id)
);
CREATE INDEX cases_office_updated ON cases(office_id, updated_at);
CREATE INDEX cases_updated ON cases(updated_at);
CREATE INDEX cases_office_return ON cases(office_id, return_date);
CREATE INDEX cases_return ON cases(return_date);
CREATE INDEX cases_family_name ON cases(family_name_folded, given_name);
CREATE INDEX cases_manager ON cases(case_manager_id, updated_at);
CREATE INDEX cases_province ON cases(return_province_folded);
CREATE INDEX cases_stage ON cases(stage, office_id);

CREATE TABLE case_vulnerabilities (
    case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    vulnerability  TEXT NOT NULL,
    PRIMARY KEY (case_id, vulnerability)
);

CREATE TABLE household_members (
    case_id            TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    relationship       TEXT NOT NULL,
    sex                TEXT,
    date_of_birth      TEXT,
    returned_together  INTEGER,
    notes              TEXT,
    PRIMARY KEY (case_id, position)
);

-- Folded name words and the case number, for prefix search.
CREATE TABLE case_search (
    token    TEXT NOT NULL,
    case_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (token, case_id)
);
CREATE INDEX case_search_case ON case_search(case_id);

CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    decision     TEXT NOT NULL,
    method       TEXT NOT NULL,
    date         TEXT NOT NULL,
    notes        TEXT,
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX consents_case ON consents(case_id, purpose);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor_id     TEXT,
    action       TEXT NOT NULL,
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    changes      TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX audit_record ON audit_log(record_type, record_id, id);
CREATE INDEX audit_actor ON audit_log(actor_id, id);
