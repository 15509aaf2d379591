-- Reintegration Sustainability Survey: interrupted submissions, scores and scoring models.

-- A submission can now be interrupted (the person stopped the interview): kept, never scored,
-- never resumed. SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE submissions_new (
    id             TEXT PRIMARY KEY,
    form_id        TEXT NOT NULL,
    form_version   TEXT NOT NULL,
    subject_type   TEXT NOT NULL CHECK (subject_type IN ('case')),
    subject_id     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'complete', 'interrupted')),
    answers        TEXT NOT NULL,
    interviewer_id TEXT NOT NULL REFERENCES users(id),
    interview_date TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    completed_at   INTEGER,
    row_version    INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (form_id, form_version) REFERENCES form_versions(form_id, version)
);
INSERT INTO submissions_new SELECT id, form_id, form_version, subject_type, subject_id, status,
    answers, interviewer_id, interview_date, created_at, updated_at, completed_at, row_version
    FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_new RENAME TO submissions;
CREATE INDEX submissions_subject ON submissions(subject_type, subject_id, created_at);
CREATE INDEX submissions_form_status ON submissions(form_id, status);

-- The scores of one completed survey, with the model that made them and how each indicator
-- contributed, so any score can be explained and recomputed.
CREATE TABLE rss_scores (
    submission_id  TEXT PRIMARY KEY REFERENCES submissions(id),
    case_id        TEXT NOT NULL REFERENCES cases(id),
    round          TEXT NOT NULL
        CHECK (round IN ('baseline', 'intermediate', 'final', 'follow_up', 'ad_hoc')),
    interview_date TEXT NOT NULL,
    interviewer_id TEXT NOT NULL REFERENCES users(id),
    economic       REAL CHECK (economic BETWEEN 0 AND 1),
    social         REAL CHECK (social BETWEEN 0 AND 1),
    psychosocial   REAL CHECK (psychosocial BETWEEN 0 AND 1),
    composite      REAL CHECK (composite BETWEEN 0 AND 1),
    dk_dwa_count   INTEGER NOT NULL,
    low_accuracy   INTEGER NOT NULL CHECK (low_accuracy IN (0, 1)),
    model          TEXT NOT NULL,
    breakdown      TEXT NOT NULL,
    scored_at      INTEGER NOT NULL
);
CREATE INDEX rss_scores_case ON rss_scores(case_id, interview_date);
CREATE INDEX rss_scores_round ON rss_scores(round, interview_date);

-- Scoring models a programme loaded; the active one scores new surveys. Without any, the model
-- shipped with Reintegra is used.
CREATE TABLE scoring_models (
    id          TEXT NOT NULL,
    version     TEXT NOT NULL,
    definition  TEXT NOT NULL,
    loaded_at   INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX scoring_models_one_active ON scoring_models(active) WHERE active = 1;
