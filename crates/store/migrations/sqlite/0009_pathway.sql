-- The individual pathway: counselling log, follow-ups, disbursements, unmet needs, urgent
-- referrals and tasks (one journal table, bodies as JSON typed in `domain::pathway`), plan
-- versions, closures, the feasibility grid and programme settings.

ALTER TABLE offices ADD COLUMN self_approval INTEGER NOT NULL DEFAULT 0;

CREATE TABLE programme_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);

CREATE TABLE pathway_entries (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('session', 'follow_up', 'disbursement',
                                               'unmet_need', 'urgent_referral', 'task')),
    entry_date    TEXT NOT NULL,
    body          TEXT NOT NULL,
    -- urgent referrals not yet resolved, tasks not yet done
    open          INTEGER NOT NULL DEFAULT 0,
    recorded_by   TEXT REFERENCES users(id),
    recorded_at   INTEGER NOT NULL,
    closed_at     INTEGER,
    closed_by     TEXT REFERENCES users(id),
    closing_note  TEXT
);
CREATE INDEX pathway_entries_case ON pathway_entries(case_id, entry_date);
CREATE INDEX pathway_entries_kind ON pathway_entries(kind, entry_date);

CREATE TABLE plan_versions (
    case_id              TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    version              INTEGER NOT NULL,
    content              TEXT NOT NULL,
    -- bumped by every change, so a stale edit can be refused
    revision             INTEGER NOT NULL,
    agreed_on            TEXT,
    agreement_method     TEXT,
    copy_given           INTEGER,
    agreement_by         TEXT REFERENCES users(id),
    approved_at          INTEGER,
    approved_by          TEXT REFERENCES users(id),
    self_approved        INTEGER,
    created_at           INTEGER NOT NULL,
    created_by           TEXT REFERENCES users(id),
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (case_id, version)
);
CREATE INDEX plan_versions_pending ON plan_versions(approved_at, agreed_on);

CREATE TABLE closures (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    body           TEXT NOT NULL,
    requested_by   TEXT REFERENCES users(id),
    requested_at   INTEGER NOT NULL,
    approved_by    TEXT REFERENCES users(id),
    approved_at    INTEGER,
    self_approved  INTEGER,
    reopened_by    TEXT REFERENCES users(id),
    reopened_at    INTEGER,
    reopen_reason  TEXT
);
CREATE INDEX closures_case ON closures(case_id, requested_at);

CREATE TABLE feasibility_grid (
    key         TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT REFERENCES users(id)
);
